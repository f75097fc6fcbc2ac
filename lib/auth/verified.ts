/**
 * Remembers, per container, which tokens Coder accepted a moment ago, so a warm request does not pay
 * a round trip to re-check its caller. Keys are token fingerprints; the map is bounded.
 */
import { ExpiringMap } from '../expiring-map';

const accepted = new ExpiringMap<true>(1000);

export function isRecentlyVerified(key: string, now: number): boolean {
  return accepted.get(key, now) === true;
}

export function markVerified(key: string, now: number, ttlMs: number): void {
  if (ttlMs > 0) accepted.set(key, true, now + ttlMs);
}

export function forgetVerified(key: string): void {
  accepted.delete(key);
}

export function clearVerified(): void {
  accepted.clear();
}
