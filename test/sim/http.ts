/**
 * The simulator's HTTP plumbing: a route table (method + path pattern → handler, WebSocket upgrades
 * included), coderd's error bodies (coderd/httpapi) and path/query parameter parsing.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { WebSocket } from 'ws';
import type { SimUser } from './model';

export interface Validation {
  field: string;
  detail: string;
}

/** A coderd error answer: `{"message","detail"?,"validations"?}` (codersdk.Response). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}

export interface Reply {
  status: number;
  body: unknown;
  /** Extra response headers; an array sends the header once per value (Set-Cookie). */
  headers?: Record<string, string | string[]>;
  /** A body that is not JSON (an HTML page, a plain-text error, a file's bytes, nothing): sent as is, `body` is ignored; '' = no content type. */
  raw?: { contentType: string; text: string | Buffer };
}

export interface RouteContext {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  user: SimUser;
  /** The raw request body (empty for GET and upgrades). */
  body: Buffer;
  /** The Content-Type header as sent. */
  contentType: string;
  /** Whether the request asked for a WebSocket upgrade. */
  upgrade: boolean;
  /** The request headers (cookies, Authorization) for the routes that read them themselves. */
  headers: IncomingHttpHeaders;
  /** The request URL, path and query (resolved against the simulator's URL). */
  url: URL;
}

export type HttpHandler = (ctx: RouteContext) => Reply | Promise<Reply>;
/** Takes over an accepted WebSocket. */
export type WsAttach = (ws: WebSocket) => void;
/**
 * Runs before the upgrade, so lookups fail as plain HTTP answers (as in coderd). Returns what to do
 * with the socket, or a Reply when the endpoint answers this request without upgrading.
 */
export type WsHandler = (ctx: RouteContext) => WsAttach | Reply;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  http?: HttpHandler;
  ws?: WsHandler;
  auth: boolean;
}

/** Paths like `/api/v2/workspaces/:id/builds`; an upgrade request matches only `ws` routes. */
export class Router {
  private readonly routes: Route[] = [];

  get(path: string, h: HttpHandler, opts: { auth?: boolean } = {}): void {
    this.add('GET', path, { http: h, auth: opts.auth ?? true });
  }
  post(path: string, h: HttpHandler, opts: { auth?: boolean } = {}): void {
    this.add('POST', path, { http: h, auth: opts.auth ?? true });
  }
  patch(path: string, h: HttpHandler, opts: { auth?: boolean } = {}): void {
    this.add('PATCH', path, { http: h, auth: opts.auth ?? true });
  }
  delete(path: string, h: HttpHandler): void {
    this.add('DELETE', path, { http: h, auth: true });
  }
  /** A WebSocket endpoint (GET + upgrade). A route module adds one without touching the server. */
  ws(path: string, h: WsHandler): void {
    this.add('GET', path, { ws: h, auth: true });
  }

  match(method: string, path: string, upgrade: boolean): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method || Boolean(route.ws) !== upgrade) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      for (const [i, k] of route.keys.entries()) params[k] = safeDecode(m[i + 1] ?? '');
      return { route, params };
    }
    return undefined;
  }

  private add(method: string, path: string, r: Pick<Route, 'http' | 'ws' | 'auth'>): void {
    const keys: string[] = [];
    const source = path.replace(/:(\w+)/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, ...r });
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

export function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v;
}

export function fail(
  status: number,
  message: string,
  extra: { detail?: string; validations?: Validation[] } = {},
): HttpError {
  const body: Record<string, unknown> = { message };
  if (extra.detail) body.detail = extra.detail;
  if (extra.validations && extra.validations.length > 0) body.validations = extra.validations;
  return new HttpError(status, body);
}

/** httpapi.ResourceNotFound: the same answer for "missing" and "not yours", so existence never leaks. */
export function notFound(): HttpError {
  return fail(404, 'Resource not found or you do not have access to this resource');
}

export function routeNotFound(): HttpError {
  return fail(404, 'Route not found.');
}

/** httpapi.Forbidden. */
export function forbidden(): HttpError {
  return fail(403, 'Forbidden.', {
    detail:
      "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials.",
  });
}

export function badRequest(message: string, validations?: Validation[], detail?: string): HttpError {
  return fail(400, message, { ...(detail ? { detail } : {}), ...(validations ? { validations } : {}) });
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: string): boolean {
  return UUID_RE.test(v);
}

/** google/uuid's Parse error text, which coderd passes on as the detail. */
export function uuidError(v: string): string {
  return [36, 32, 38, 45].includes(v.length) ? 'invalid UUID format' : `invalid UUID length: ${v.length}`;
}

/** httpmw.ParseUUIDParam: 400 `Invalid UUID "x".` for a path parameter that is not a UUID. */
export function uuidParam(ctx: RouteContext, name: string): string {
  const v = ctx.params[name] ?? '';
  if (!isUuid(v)) throw badRequest(`Invalid UUID "${v}".`, undefined, uuidError(v));
  return v.toLowerCase();
}

/** Go's strconv.ParseBool, for query flags such as include_deleted. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** coderd's `?include_deleted=` handling (coderd/workspaces.go); `field` names it in the validation. */
export function includeDeleted(ctx: RouteContext, field: string): boolean {
  const raw = ctx.query.get('include_deleted') ?? '';
  if (raw === '') return false;
  const v = parseGoBool(raw);
  if (v === undefined) {
    throw badRequest(`Invalid boolean value "${raw}" for "include_deleted" query param.`, [
      { field, detail: 'Must be a valid boolean' },
    ]);
  }
  return v;
}

/** The `?after=<log id>` of the log endpoints (coderd/provisionerjobs.go, workspaceagents.go). */
export function afterParam(ctx: RouteContext): number {
  const raw = ctx.query.get('after') ?? '';
  if (raw === '') return 0;
  if (!/^-?\d+$/.test(raw))
    throw badRequest('Query param "after" must be an integer.', [{ field: 'after', detail: 'Must be an integer' }]);
  return Number(raw);
}
