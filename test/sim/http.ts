/**
 * The simulator's HTTP plumbing: a route table (method + path pattern → handler), coderd's error
 * bodies, JSON body parsing with zod, token authentication with coderd's 401 answers.
 */
import type http from 'node:http';
import { z } from 'zod';
import type { WebSocket } from 'ws';
import type { SimModel, SimUser } from './model';

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
}

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  user: SimUser;
  /** The raw request body (empty for GET). */
  body: Buffer;
  contentType: string;
}

export type HttpHandler = (ctx: RouteContext) => Reply | Promise<Reply>;
/** Runs before the upgrade (so lookups fail as plain HTTP answers, as in coderd) and returns what to do with the socket. */
export type WsHandler = (ctx: RouteContext) => (ws: WebSocket) => void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  http?: HttpHandler;
  ws?: WsHandler;
  auth: boolean;
}

/** Paths like `/api/v2/workspaces/:id/builds`. */
export class Router {
  private readonly routes: Route[] = [];

  get(path: string, h: HttpHandler, opts: { auth?: boolean } = {}): void {
    this.add('GET', path, { http: h, auth: opts.auth ?? true });
  }
  post(path: string, h: HttpHandler): void {
    this.add('POST', path, { http: h, auth: true });
  }
  patch(path: string, h: HttpHandler): void {
    this.add('PATCH', path, { http: h, auth: true });
  }
  delete(path: string, h: HttpHandler): void {
    this.add('DELETE', path, { http: h, auth: true });
  }
  /** A WebSocket upgrade on GET; when the same path also has an HTTP handler, the upgrade wins for upgrade requests. */
  ws(path: string, h: WsHandler): void {
    this.add('GET', path, { ws: h, auth: true });
  }

  match(method: string, path: string, upgrade: boolean): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method || Boolean(route.ws) !== upgrade) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
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

export function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

export const SIGNED_OUT = 'You are signed out or your session has expired. Please sign in again to continue.';

export function notFound(): HttpError {
  return new HttpError(404, { message: 'Resource not found or you do not have access to this resource' });
}

export function forbidden(): HttpError {
  return new HttpError(403, {
    message: 'Forbidden.',
    detail: "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials.",
  });
}

export function badRequest(message: string, validations?: { field: string; detail: string }[], detail?: string): HttpError {
  return new HttpError(400, { message, ...(detail ? { detail } : {}), ...(validations ? { validations } : {}) });
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidParam(ctx: RouteContext, name: string): string {
  const v = ctx.params[name] ?? '';
  if (!UUID_RE.test(v)) throw badRequest(`Invalid UUID "${v}".`, undefined, `invalid UUID length: ${v.length}`);
  return v.toLowerCase();
}

/** coderd's httpapi.Read: the body must be JSON of the expected shape. */
export function readJson<T>(ctx: RouteContext, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(ctx.body.toString('utf8') || 'null');
  } catch (err) {
    throw badRequest('Request body must be valid JSON.', undefined, err instanceof Error ? err.message : String(err));
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw badRequest(
      'Validation failed.',
      parsed.error.issues.map((i) => ({ field: i.path.join('.'), detail: i.message })),
    );
  }
  return parsed.data;
}

/** coderd's API key middleware (httpmw/apikey.go): token from header, bearer, cookie or query. */
export function authenticate(model: SimModel, req: http.IncomingMessage, url: URL, baseUrl: string): SimUser {
  const token = tokenFrom(req, url);
  const challenge = (description: string) => ({
    'www-authenticate': `Bearer realm="coder", error="invalid_token", error_description="${description}", resource_metadata="${baseUrl}/.well-known/oauth-protected-resource"`,
  });
  const invalid = challenge('The access token is invalid');
  if (!token) {
    throw new HttpError(401, { message: SIGNED_OUT, detail: 'Cookie "coder_session_token" or query parameter must be provided.' }, invalid);
  }
  const [keyId, secret] = token.split('-');
  if (!keyId || !secret || keyId.length !== 10 || secret.length !== 22 || token.split('-').length !== 2) {
    throw new HttpError(401, { message: SIGNED_OUT, detail: 'Invalid API key format: must be "<id>-<secret>" with a 10-character id and a 22-character secret.' }, invalid);
  }
  const key = model.keys.get(keyId);
  if (!key) throw new HttpError(401, { message: SIGNED_OUT, detail: 'API key is invalid.' }, invalid);
  if (key.secret !== secret) throw new HttpError(401, { message: SIGNED_OUT, detail: 'API key secret is invalid.' }, invalid);
  if (key.expiredAt) {
    throw new HttpError(401, { message: SIGNED_OUT, detail: `API key expired at "${key.expiredAt}".` }, challenge('The access token has expired'));
  }
  const user = model.users.get(key.userId);
  if (!user) throw new HttpError(401, { message: SIGNED_OUT, detail: 'API key is invalid.' }, invalid);
  return user;
}

function tokenFrom(req: http.IncomingMessage, url: URL): string | undefined {
  const cookie = req.headers.cookie?.split(/;\s*/).find((c) => c.startsWith('coder_session_token='));
  if (cookie) return cookie.slice('coder_session_token='.length);
  const q = url.searchParams.get('coder_session_token');
  if (q) return q;
  const header = req.headers['coder-session-token'];
  if (typeof header === 'string' && header) return header;
  const bearer = req.headers.authorization?.match(/^bearer\s+(.+)$/i)?.[1];
  if (bearer) return bearer.trim();
  return url.searchParams.get('access_token') ?? undefined;
}
