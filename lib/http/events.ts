/**
 * API Gateway REST (payload v1), HTTP API (payload v2) and Lambda Function URL events → Web `Request`.
 * Pure functions on validated event shapes; the stage prefix is split off so routing sees `/mcp`
 * while links we hand out keep the prefix clients actually call.
 */
import * as z from 'zod';

const headerMap = z.record(z.string(), z.string().optional()).nullish();
const multiHeaderMap = z.record(z.string(), z.array(z.string()).optional()).nullish();

export const restEventSchema = z.object({
  httpMethod: z.string(),
  path: z.string(),
  headers: headerMap,
  multiValueHeaders: multiHeaderMap,
  queryStringParameters: headerMap,
  multiValueQueryStringParameters: multiHeaderMap,
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
  requestContext: z.looseObject({
    stage: z.string().optional(),
    path: z.string().optional(),
    domainName: z.string().optional(),
    requestId: z.string().optional(),
  }),
});

export const httpEventSchema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string(),
  rawQueryString: z.string().optional(),
  headers: headerMap,
  cookies: z.array(z.string()).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
  requestContext: z.looseObject({
    stage: z.string().optional(),
    domainName: z.string().optional(),
    requestId: z.string().optional(),
    http: z.looseObject({ method: z.string() }),
  }),
});

export type RestEvent = z.infer<typeof restEventSchema>;
export type HttpEvent = z.infer<typeof httpEventSchema>;

export type ParsedEvent = { kind: 'rest'; event: RestEvent } | { kind: 'http'; event: HttpEvent };

export interface AdaptedRequest {
  request: Request;
  /** Path prefix in front of our routes as the client sees it (`/prod`, or a custom-domain base path); '' when none. */
  basePath: string;
  requestId: string | undefined;
}

export class UnsupportedEventError extends Error {}

/** Recognises the event shape; anything else is a deployment mistake worth a clear message. */
export function parseEvent(event: unknown): ParsedEvent {
  const http = httpEventSchema.safeParse(event);
  if (http.success) return { kind: 'http', event: http.data };
  const rest = restEventSchema.safeParse(event);
  if (rest.success) return { kind: 'rest', event: rest.data };
  throw new UnsupportedEventError(
    'unsupported event: expected an API Gateway REST (payload v1), HTTP API (payload v2) or Lambda Function URL event',
  );
}

export function toRequest(parsed: ParsedEvent): AdaptedRequest {
  return parsed.kind === 'http' ? fromHttpEvent(parsed.event) : fromRestEvent(parsed.event);
}

function fromRestEvent(e: RestEvent): AdaptedRequest {
  const headers = new Headers();
  for (const [k, values] of Object.entries(e.multiValueHeaders ?? {}))
    for (const v of values ?? []) headers.append(k, v);
  for (const [k, v] of Object.entries(e.headers ?? {})) if (v !== undefined && !headers.has(k)) headers.set(k, v);
  const query = new URLSearchParams();
  for (const [k, values] of Object.entries(e.multiValueQueryStringParameters ?? {}))
    for (const v of values ?? []) query.append(k, v);
  for (const [k, v] of Object.entries(e.queryStringParameters ?? {}))
    if (v !== undefined && !query.has(k)) query.set(k, v);
  // event.path is the resource path; requestContext.path is what the client called (stage or base path in front).
  const outer = e.requestContext.path ?? e.path;
  const basePath = outer.endsWith(e.path) ? outer.slice(0, outer.length - e.path.length).replace(/\/+$/, '') : '';
  const host = headers.get('host') ?? e.requestContext.domainName ?? 'localhost';
  return {
    request: buildRequest(e.httpMethod, host, headers, basePath + e.path, query.toString(), e.body, e.isBase64Encoded),
    basePath,
    requestId: e.requestContext.requestId,
  };
}

function fromHttpEvent(e: HttpEvent): AdaptedRequest {
  const headers = new Headers();
  for (const [k, v] of Object.entries(e.headers ?? {})) if (v !== undefined) headers.set(k, v);
  if (e.cookies && e.cookies.length > 0) headers.set('cookie', e.cookies.join('; '));
  const stage = e.requestContext.stage;
  const stagePrefix = stage && stage !== '$default' ? `/${stage}` : '';
  const basePath =
    stagePrefix && (e.rawPath === stagePrefix || e.rawPath.startsWith(`${stagePrefix}/`)) ? stagePrefix : '';
  const host = headers.get('host') ?? e.requestContext.domainName ?? 'localhost';
  return {
    request: buildRequest(
      e.requestContext.http.method,
      host,
      headers,
      e.rawPath,
      e.rawQueryString ?? '',
      e.body,
      e.isBase64Encoded,
    ),
    basePath,
    requestId: e.requestContext.requestId,
  };
}

function buildRequest(
  method: string,
  host: string,
  headers: Headers,
  path: string,
  query: string,
  body: string | null | undefined,
  base64: boolean | null | undefined,
): Request {
  const proto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || 'https';
  const url = new URL(`${proto}://${host}${path.startsWith('/') ? path : `/${path}`}`);
  url.search = query;
  const hasBody = body != null && body !== '' && method !== 'GET' && method !== 'HEAD';
  const data = hasBody ? (base64 ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8')) : undefined;
  return new Request(url, { method, headers, body: data });
}
