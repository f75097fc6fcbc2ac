/**
 * Sealed values: everything this authorization server hands out (client ids, the state it sends to
 * Coder, codes, access and refresh tokens) is its own payload encrypted and authenticated with
 * AES-256-GCM, so no database is needed and nothing inside (above all the Coder token) can be read or
 * changed by whoever holds it. Shape: `cmcp.<kind>.<kid>.<base64url(iv | ciphertext | tag)>`; the kind
 * and key id are additional data, so a value of one kind never opens as another.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type * as z from 'zod';

export const SEALED_PREFIX = 'cmcp.';
export type SealedKind = 'client' | 'state' | 'code' | 'access' | 'refresh';
const KINDS: readonly SealedKind[] = ['client', 'state', 'code', 'access', 'refresh'];

/** The keys that open sealed values; `current` seals. A rotation adds a key in front and keeps the old ones. */
export interface KeyRing {
  current: { kid: string; key: Buffer };
  keys: ReadonlyMap<string, Buffer>;
}

export function keyRing(entries: readonly { kid: string; key: Buffer }[]): KeyRing {
  const [first] = entries;
  if (!first) throw new Error('a key ring needs at least one key');
  for (const e of entries) {
    if (e.key.length !== 32) throw new Error(`key ${e.kid}: an AES-256 key is 32 bytes, got ${e.key.length}`);
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(e.kid))
      throw new Error(`key id ${JSON.stringify(e.kid)}: 1-16 of A-Z a-z 0-9 _ -`);
  }
  return { current: first, keys: new Map(entries.map((e) => [e.kid, e.key])) };
}

export function seal(ring: KeyRing, kind: SealedKind, payload: object): string {
  const { kid, key } = ring.current;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${kind}.${kid}`));
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${kind}.${kid}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** Why a sealed value was refused; never more detail than this reaches a caller. */
export type OpenFailure = 'malformed' | 'wrong_kind' | 'unknown_key' | 'tampered' | 'invalid_payload';

export type Opened<T> = { ok: true; value: T } | { ok: false; why: OpenFailure };

function isKind(s: string): s is SealedKind {
  return KINDS.some((k) => k === s);
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** Opens a value of `kind` and checks its payload against `schema`; expiry and audience are the caller's to check. */
export function open<T>(ring: KeyRing, kind: SealedKind, value: string, schema: z.ZodType<T>): Opened<T> {
  const parts = value.split('.');
  if (parts.length !== 4 || `${parts[0]}.` !== SEALED_PREFIX) return { ok: false, why: 'malformed' };
  const [, valueKind = '', kid = '', data = ''] = parts;
  if (!isKind(valueKind)) return { ok: false, why: 'malformed' };
  if (valueKind !== kind) return { ok: false, why: 'wrong_kind' };
  const key = ring.keys.get(kid);
  if (!key) return { ok: false, why: 'unknown_key' };
  const raw = Buffer.from(data, 'base64url');
  if (raw.length < 12 + 16) return { ok: false, why: 'malformed' };
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${kind}.${kid}`));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return { ok: false, why: 'tampered' };
  }
  let json: unknown;
  try {
    json = JSON.parse(plain);
  } catch {
    return { ok: false, why: 'invalid_payload' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, why: 'invalid_payload' };
}
