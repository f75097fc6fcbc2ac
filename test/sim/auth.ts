/**
 * coderd's API key middleware (coderd/httpmw/apikey.go): where the token is read from, the 401 bodies
 * for a missing, malformed, unknown, wrong or expired key, the 403 for an OAuth2-provider token whose
 * audience is not coderd's access URL (RFC 8707), and the RFC 6750/9728 WWW-Authenticate challenge on
 * every 401 and 403. REST calls and WebSocket upgrades (the PTY) both pass here. Tokens are compared
 * here and never logged.
 */
import type http from 'node:http';
import { HttpError } from './http';
import type { SimModel, SimUser } from './model';

export const SIGNED_OUT = 'You are signed out or your session has expired. Please sign in again to continue.';

/** APITokenFromRequest's order: cookie, `?coder_session_token`, header, `Authorization: Bearer`, `?access_token`. */
export function tokenFrom(req: { headers: http.IncomingHttpHeaders }, url: URL): string {
  const cookie = req.headers.cookie
    ?.split(/;\s*/)
    .find((c) => c.startsWith('coder_session_token='))
    ?.slice('coder_session_token='.length);
  if (cookie) return cookie;
  const q = url.searchParams.get('coder_session_token');
  if (q) return q;
  const header = req.headers['coder-session-token'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization ?? '';
  if (auth.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return (url.searchParams.get('access_token') ?? '').trim();
}

/** SplitAPIToken's checks and error texts. */
function formatError(token: string): string | undefined {
  const parts = token.split('-');
  if (parts.length !== 2) return `incorrect amount of API key parts, expected 2 got ${parts.length}`;
  const [id = '', secret = ''] = parts;
  if (id.length !== 10) return `invalid API key ID length, expected 10 got ${id.length}`;
  if (secret.length !== 22) return `invalid API key secret length, expected 22 got ${secret.length}`;
  return undefined;
}

/** Resolves the caller or throws coderd's 401 answer with its challenge header. */
export function authenticate(
  model: SimModel,
  req: { headers: http.IncomingHttpHeaders },
  url: URL,
  baseUrl: string,
): SimUser {
  const reject = (detail: string) => {
    const body = { message: SIGNED_OUT, detail };
    return new HttpError(401, body, { 'www-authenticate': challenge(baseUrl, 401, body) });
  };
  const token = tokenFrom(req, url);
  if (!token) throw reject('Cookie "coder_session_token" or query parameter must be provided.');
  const bad = formatError(token);
  if (bad) throw reject(`Invalid API key format: ${bad}`);
  const [id = '', secret = ''] = token.split('-');
  const key = model.keys.get(id);
  if (!key) throw reject('API key is invalid.');
  if (key.secret !== secret) throw reject('API key secret is invalid.');
  if (key.expiresAt.getTime() <= Date.now()) throw reject(`API key expired at "${goTimeString(key.expiresAt)}".`);
  // Checked right after expiry, as ExtractAPIKey does; the body carries no detail (coderd logs it instead).
  if (key.loginType === 'oauth2_provider_app' && !audienceAccepted(key.audience ?? '', model.accessUrl ?? baseUrl)) {
    const body = { message: AUDIENCE_REFUSED };
    throw new HttpError(403, body, { 'www-authenticate': challenge(model.accessUrl ?? baseUrl, 403, body) });
  }
  const user = model.users.get(key.userId);
  if (!user) throw reject('API key is invalid.');
  return user;
}

export const AUDIENCE_REFUSED = 'Token audience validation failed';

/**
 * validateOAuth2ProviderAppTokenAudience (coderd/httpmw/apikey.go, coder/coder a2c107ca): a token
 * without an audience is accepted (backward compatibility); otherwise its audience and the access URL
 * must be equal once both are normalized.
 */
export function audienceAccepted(audience: string, accessUrl: string): boolean {
  if (audience === '') return true;
  return normalizeAudience(audience) === normalizeAudience(accessUrl);
}

/**
 * normalizeAudienceURI: scheme and host lowercased, IDN hosts in punycode, the default port of http and
 * https dropped, dot segments removed, an empty path as "/", a trailing slash dropped from a longer path,
 * no fragment, the query kept. WHATWG URL parsing does the first four as Go's steps do; a string that
 * does not parse is compared as it is, as in coderd.
 */
export function normalizeAudience(uri: string): string {
  if (uri === '') return '';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
  let path = url.pathname === '' ? '/' : url.pathname;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const userinfo = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${userinfo}${url.host}${path}${url.search}`;
}

/**
 * buildWWWAuthenticateHeader. Its "expired" test looks at the message as well as the detail, and
 * coderd's signed-out message itself says "your session has expired", so every 401 of the API key
 * middleware carries "The access token has expired" in coderd; the simulator does the same.
 */
export function challenge(baseUrl: string, status: number, body: { message: string; detail?: string }): string {
  const metadata = `resource_metadata="${baseUrl}/.well-known/oauth-protected-resource"`;
  if (status === 403) {
    return `Bearer realm="coder", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token", ${metadata}`;
  }
  const description = `${body.message} ${body.detail ?? ''}`.includes('expired')
    ? 'The access token has expired'
    : /audience|mismatch/.test(body.message)
      ? 'The access token audience does not match this resource'
      : 'The access token is invalid';
  return `Bearer realm="coder", error="invalid_token", error_description="${description}", ${metadata}`;
}

/** Go's time.Time.String() for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export function goTimeString(d: Date): string {
  const iso = d.toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}
