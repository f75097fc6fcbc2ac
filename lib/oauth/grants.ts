/**
 * What each sealed value carries (see seal.ts), its lifetime, and the checks every one of them gets:
 * issuer, expiry and, for access tokens, audience. Field names are short because client ids, states
 * and codes travel in URLs.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { open, seal, type KeyRing, type OpenFailure, type SealedKind } from './seal';

export const LIFETIME_S = {
  /** From our authorize to Coder's callback: a sign-in and a consent in the browser. */
  state: 10 * 60,
  /** RFC 6749 recommends at most 10 minutes; clients redeem a code at once. */
  code: 60,
  /** When Coder does not say how long its access token lives. */
  accessFallback: 60 * 60,
  refresh: 30 * 24 * 60 * 60,
} as const;

const base = { iss: z.string(), exp: z.number().int() };

export const clientSchema = z.object({
  iss: z.string(),
  iat: z.number().int(),
  /** Client name, as registered. */
  n: z.string(),
  /** Redirect URIs, as registered. */
  r: z.array(z.string()).min(1),
  /** Token endpoint authentication method. */
  m: z.enum(['none', 'client_secret_post', 'client_secret_basic']),
  /** This client's own app in Coder, when Coder's registration gave one (else the operator's app is used). */
  u: z.object({ i: z.string(), s: z.string() }).optional(),
});
export type ClientGrant = z.infer<typeof clientSchema>;

export const stateSchema = z.object({
  ...base,
  /** Hash of the client id. */
  cid: z.string(),
  ru: z.string(),
  /** The client's PKCE challenge. */
  cc: z.string(),
  /** The client's own state, returned to it unchanged. */
  cs: z.string().optional(),
  sc: z.string().optional(),
  /** Our PKCE verifier for Coder. */
  v: z.string(),
  /** Hash of the browser-binding nonce held in the cookie. */
  b: z.string(),
});
export type StateGrant = z.infer<typeof stateSchema>;

export const codeSchema = z.object({
  ...base,
  cid: z.string(),
  ru: z.string(),
  cc: z.string(),
  sc: z.string().optional(),
  v: z.string(),
  /** Coder's authorization code, exchanged only when ours is. */
  uc: z.string(),
});

export const accessSchema = z.object({
  ...base,
  aud: z.string(),
  cid: z.string(),
  sc: z.string().optional(),
  ct: z.string(),
});
export type AccessGrant = z.infer<typeof accessSchema>;

export const refreshSchema = z.object({
  ...base,
  aud: z.string(),
  cid: z.string(),
  sc: z.string().optional(),
  rt: z.string(),
  /** Fingerprint (lib/auth/token.ts) of the Coder access token issued with it: a revocation forgets that token's cached check too. */
  af: z.string().optional(),
});

export type Checked<T> =
  | { ok: true; value: T }
  | { ok: false; why: OpenFailure | 'expired' | 'wrong_issuer' | 'wrong_audience' };

/** Opens a sealed value and checks its issuer and expiry (and audience when given). */
export function openGrant<T extends { iss: string; exp?: number; aud?: string }>(
  ring: KeyRing,
  kind: SealedKind,
  value: string,
  schema: z.ZodType<T>,
  expect: { issuer: string; audience?: string; nowS?: number },
): Checked<T> {
  const opened = open(ring, kind, value, schema);
  if (!opened.ok) return opened;
  const v = opened.value;
  if (v.iss !== expect.issuer) return { ok: false, why: 'wrong_issuer' };
  if (v.exp !== undefined && v.exp <= (expect.nowS ?? nowSeconds())) return { ok: false, why: 'expired' };
  if (expect.audience !== undefined && v.aud !== expect.audience) return { ok: false, why: 'wrong_audience' };
  return { ok: true, value: v };
}

export function sealGrant(ring: KeyRing, kind: SealedKind, payload: object): string {
  return seal(ring, kind, payload);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A client id's stand-in inside other grants: ties a code or token to the client it was issued to. */
export function clientHash(clientId: string): string {
  return createHash('sha256').update(clientId).digest('base64url').slice(0, 22);
}

/** RFC 7636 S256. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * A confidential client's secret, derived from its id, so nothing needs storing; checked against every
 * key of the ring, so a key rotation keeps registered clients working.
 */
export function clientSecret(ring: KeyRing, clientId: string, key = ring.current.key): string {
  return createHmac('sha256', key).update('client-secret\0').update(clientId).digest('base64url');
}

export function clientSecretMatches(ring: KeyRing, clientId: string, presented: string): boolean {
  const given = Buffer.from(presented);
  for (const key of ring.keys.values()) {
    const expected = Buffer.from(clientSecret(ring, clientId, key));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
