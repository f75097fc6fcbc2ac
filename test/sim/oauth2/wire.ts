/**
 * What the OAuth2 routes read off the wire the way Go's net/http does: `r.ParseForm()` (a form body
 * only for application/x-www-form-urlencoded, merged with the query), `r.BasicAuth()`, `r.Cookie()`;
 * and `url.Values.Encode()` for the query of a redirect (keys sorted, Go's escaping).
 */
import type { RouteContext } from '../http';

/** r.Form after r.ParseForm(): for POST with a form content type, body values first, then the query's. */
export function parseForm(ctx: RouteContext): URLSearchParams {
  const form = new URLSearchParams();
  const mediaType = ctx.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (ctx.method === 'POST' && mediaType === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(ctx.body.toString('utf8'))) form.append(k, v);
  }
  for (const [k, v] of ctx.query) form.append(k, v);
  return form;
}

/** The keys of a form, each once, in order of first appearance. */
export function formKeys(form: URLSearchParams): string[] {
  return [...new Set(form.keys())];
}

/** r.BasicAuth(): the `Authorization: Basic` user and password, if the header is one. */
export function basicAuth(ctx: RouteContext): { user: string; password: string } | undefined {
  const header = ctx.headers.authorization ?? '';
  if (!header.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** r.Cookie(name).Value, or undefined. */
export function cookie(ctx: RouteContext, name: string): string | undefined {
  for (const part of (ctx.headers.cookie ?? '').split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}

/** Go's url.QueryEscape: unreserved characters kept, space as '+', everything else %XX (UTF-8). */
function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** url.Values.Encode(): sorted by key, each key's values in order. */
export function encodeQuery(values: URLSearchParams): string {
  const keys = [...new Set(values.keys())].sort();
  return keys.flatMap((k) => values.getAll(k).map((v) => `${queryEscape(k)}=${queryEscape(v)}`)).join('&');
}
