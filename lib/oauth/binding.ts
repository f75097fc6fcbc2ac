/**
 * Binds a sign-in to the browser that started it. authorize sets a `__Host-` cookie holding a random
 * nonce whose hash is sealed into the state sent to Coder; the callback continues only if the browser
 * presents that nonce. A link to Coder's consent page made by someone else (the confused-deputy attack,
 * CVE-2026-27124 in FastMCP) therefore ends at our callback in a browser without the cookie, and stops.
 * One cookie per sign-in (named after its hash), so two sign-ins in one browser do not disturb each other.
 */
import { createHash, randomBytes } from 'node:crypto';
import { safeEqual } from './grants';

const PREFIX = '__Host-cmcp-';

export interface Binding {
  /** Sealed into the state. */
  hash: string;
  /** The Set-Cookie header for authorize's answer. */
  setCookie: string;
}

export function newBinding(maxAgeS: number): Binding {
  const nonce = randomBytes(32).toString('base64url');
  const hash = hashOf(nonce);
  // Lax: the callback is a top-level navigation from Coder's site, which Lax cookies accompany.
  return {
    hash,
    setCookie: `${cookieName(hash)}=${nonce}; Path=/; Max-Age=${maxAgeS}; HttpOnly; Secure; SameSite=Lax`,
  };
}

/** Whether the request carries the cookie for this binding hash. */
export function bindingPresent(cookieHeader: string | null, hash: string): boolean {
  const name = cookieName(hash);
  for (const part of (cookieHeader ?? '').split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name && safeEqual(hashOf(part.slice(eq + 1)), hash)) return true;
  }
  return false;
}

export function clearBinding(hash: string): string {
  return `${cookieName(hash)}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;
}

function cookieName(hash: string): string {
  return `${PREFIX}${hash.slice(0, 16)}`;
}

function hashOf(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url');
}
