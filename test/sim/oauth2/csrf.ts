/**
 * CSRF protection of the consent form, as coderd gets it from justinas/nosurf (httpmw.CSRF): a random
 * 32-byte token in the `csrf_token` cookie (Path=/, HttpOnly, SameSite=Lax, a year), a masked copy of
 * it in the form's hidden `csrf_token` field (or the X-CSRF-Token header), compared after unmasking; a
 * POST without a matching pair gets 400 with nosurf's failure text (coderd's failure handler).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { RouteContext } from '../http';
import { cookie } from './wire';

export const CSRF_COOKIE = 'csrf_token';
export const CSRF_FIELD = 'csrf_token';
export const CSRF_FAILURE =
  'Something is wrong with your CSRF token. Please refresh the page. If this error persists, try clearing your cookies.';
const TOKEN_BYTES = 32;

function decode(value: string | undefined): Buffer | undefined {
  if (!value) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length > 0 ? bytes : undefined;
}

/** The request's base token, or undefined when the cookie is missing or malformed. */
export function baseToken(ctx: RouteContext): Buffer | undefined {
  const token = decode(cookie(ctx, CSRF_COOKIE));
  return token?.length === TOKEN_BYTES ? token : undefined;
}

export function newBaseToken(): Buffer {
  return randomBytes(TOKEN_BYTES);
}

export function csrfCookie(token: Buffer, secure: boolean): string {
  return `${CSRF_COOKIE}=${token.toString('base64')}; Path=/; Max-Age=31536000; HttpOnly; ${secure ? 'Secure; ' : ''}SameSite=Lax`;
}

/** nosurf.Token: a one-time pad followed by the token XOR the pad, base64. */
export function maskedToken(token: Buffer): string {
  const pad = randomBytes(TOKEN_BYTES);
  const xored = Buffer.from(token.map((b, i) => b ^ (pad[i] ?? 0)));
  return Buffer.concat([pad, xored]).toString('base64');
}

/** nosurf.VerifyToken against the cookie's token: a masked (64 bytes) or a plain (32 bytes) token. */
export function tokenMatches(token: Buffer, sent: string | undefined): boolean {
  const bytes = decode(sent);
  if (!bytes) return false;
  let plain = bytes;
  if (bytes.length === 2 * TOKEN_BYTES) {
    const pad = bytes.subarray(0, TOKEN_BYTES);
    plain = Buffer.from(bytes.subarray(TOKEN_BYTES).map((b, i) => b ^ (pad[i] ?? 0)));
  }
  return plain.length === TOKEN_BYTES && timingSafeEqual(plain, token);
}

/** The token a POST sent: the X-CSRF-Token header, else the body's `csrf_token` field (r.PostFormValue). */
export function sentToken(ctx: RouteContext): string | undefined {
  const header = ctx.headers['x-csrf-token'];
  if (typeof header === 'string' && header !== '') return header;
  const mediaType = ctx.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/x-www-form-urlencoded') return undefined;
  return new URLSearchParams(ctx.body.toString('utf8')).get(CSRF_FIELD) ?? undefined;
}
