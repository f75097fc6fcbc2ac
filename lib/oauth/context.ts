/**
 * What every OAuth endpoint needs for one request: settings, the key ring, our issuer and resource
 * URLs, and the small pieces the endpoints share (OAuth error answers, form bodies, client
 * authentication, the upstream app a client signs in through).
 */
import type { Config, OAuthConfig } from '../config';
import { mediaType } from '../http/media-type';
import { json } from '../http/respond';
import { OAuthError, oauthErrorBody } from './errors';
import { clientHash, clientSchema, clientSecretMatches, openGrant, type ClientGrant } from './grants';
import type { KeyRing } from './seal';
import type { UpstreamApp } from './upstream';

export interface OAuthContext {
  config: Config;
  oauth: OAuthConfig;
  ring: KeyRing;
  /** Our issuer: the public base URL (stage prefix or custom domain included). */
  issuer: string;
  /** The protected resource: `<issuer>/mcp`. */
  resource: string;
  /** Where Coder sends the browser back. */
  callbackUrl: string;
}

/** Token, registration and revocation answers carry secrets: never cached (RFC 6749 section 5.1). */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** Public endpoints that hold no cookies: any page may call them (browser-based MCP clients do). */
export const OPEN_CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'www-authenticate',
};

export function oauthErrorResponse(err: OAuthError, headers: Record<string, string> = {}): Response {
  return json(err.status, oauthErrorBody(err), { ...NO_STORE, ...OPEN_CORS, ...err.headers, ...headers });
}

/** Forms and registrations are a few hundred bytes; anything near this is not one. */
const MAX_BODY_BYTES = 16 * 1024;

/** A small request body as text; larger ones are refused with `error` (413). */
export async function readSmallBody(
  request: Request,
  error: 'invalid_request' | 'invalid_client_metadata',
): Promise<string> {
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    throw new OAuthError(error, `the body is larger than ${MAX_BODY_BYTES} bytes`, 413);
  return text;
}

/** An `application/x-www-form-urlencoded` body, as RFC 6749 requires of token and revocation requests. */
export async function readForm(request: Request): Promise<URLSearchParams> {
  if (mediaType(request.headers.get('content-type')) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const text = await readSmallBody(request, 'invalid_request');
  const form = new URLSearchParams(text);
  for (const key of new Set(form.keys())) {
    if (form.getAll(key).length > 1) throw new OAuthError('invalid_request', `the parameter ${key} is repeated`);
  }
  return form;
}

/** A client id of ours, opened; undefined when it is not one (or was sealed by a key no longer held). */
export function openClient(ctx: OAuthContext, clientId: string | null): ClientGrant | undefined {
  if (!clientId) return undefined;
  const opened = openGrant(ctx.ring, 'client', clientId, clientSchema, { issuer: ctx.issuer });
  return opened.ok ? opened.value : undefined;
}

export interface AuthenticatedClient {
  id: string;
  hash: string;
  grant: ClientGrant;
}

/** RFC 6749 section 2.3: `client_secret_basic` or the body's `client_id` (and secret). */
export function authenticateClient(ctx: OAuthContext, request: Request, form: URLSearchParams): AuthenticatedClient {
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = request.headers.get('authorization')?.match(/^basic\s+(.+)$/i)?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('the Basic credentials are malformed', true);
    // RFC 6749 section 2.3.1: both parts are form-encoded before they are joined.
    const basicId = formDecoded(decoded.slice(0, colon));
    const basicSecret = formDecoded(decoded.slice(colon + 1));
    if (basicId === undefined || basicSecret === undefined)
      throw invalidClient('the Basic credentials are malformed', true);
    if (id && id !== basicId) throw invalidClient('client_id differs from the Basic credentials', true);
    id = basicId;
    secret = basicSecret;
  }
  const grant = openClient(ctx, id);
  if (!id || !grant) throw invalidClient('unknown client: register again (POST /oauth/register)', Boolean(basic));
  if (grant.m !== 'none' && !(secret && clientSecretMatches(ctx.ring, id, secret))) {
    throw invalidClient('the client secret is missing or wrong', Boolean(basic));
  }
  return { id, hash: clientHash(id), grant };
}

function formDecoded(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function invalidClient(description: string, basic: boolean): OAuthError {
  return new OAuthError(
    'invalid_client',
    description,
    401,
    basic ? { headers: { 'www-authenticate': 'Basic realm="coder-mcp"' } } : {},
  );
}

/** The Coder app a client signs in through: its own, else the operator's. */
export function upstreamAppFor(ctx: OAuthContext, grant: ClientGrant): UpstreamApp {
  if (grant.u) return { clientId: grant.u.i, clientSecret: grant.u.s };
  const app = ctx.oauth.upstreamApp;
  if (app?.clientSecret) return { clientId: app.clientId, clientSecret: app.clientSecret };
  throw new OAuthError(
    'server_error',
    'this client has no Coder OAuth2 app and none is configured (MCP_OAUTH_UPSTREAM_CLIENT_ID)',
    500,
  );
}

/** The requested resource must be ours (RFC 8707); a client may also leave it out. */
export function checkResource(ctx: OAuthContext, values: string[]): void {
  if (values.length === 0) return;
  if (values.length > 1 || stripSlash(values[0] ?? '') !== stripSlash(ctx.resource)) {
    throw new OAuthError('invalid_target', `this server issues tokens for ${ctx.resource} only`);
  }
}

function stripSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}
