/**
 * Remembers, per container, which tokens Coder accepted a moment ago, so a warm request does not pay
 * a round trip to re-check its caller. Keys are token fingerprints; the map is bounded.
 */
const MAX_ENTRIES = 1000;
const acceptedUntil = new Map<string, number>();

export function isRecentlyVerified(key: string, now: number): boolean {
  const until = acceptedUntil.get(key);
  if (until === undefined) return false;
  if (until > now) return true;
  acceptedUntil.delete(key);
  return false;
}

export function markVerified(key: string, now: number, ttlMs: number): void {
  if (ttlMs <= 0) return;
  acceptedUntil.delete(key);
  acceptedUntil.set(key, now + ttlMs);
  // Maps iterate in insertion order, so the first key is the oldest entry.
  if (acceptedUntil.size > MAX_ENTRIES) {
    const oldest = acceptedUntil.keys().next().value;
    if (oldest !== undefined) acceptedUntil.delete(oldest);
  }
}

export function forgetVerified(key: string): void {
  acceptedUntil.delete(key);
}

export function clearVerified(): void {
  acceptedUntil.clear();
}
