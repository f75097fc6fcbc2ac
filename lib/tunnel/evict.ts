/**
 * The pool's decisions as pure functions of time and state, so the rules read in one place and tests
 * need no clock: when an unleased channel is too idle to keep, and when it must be probed before use
 * (timers stop while Lambda freezes the container, so both are also checked on acquire).
 */
export interface SlotState {
  leased: boolean;
  lastUsedAt: number;
}

/** Coder's rule, scaled to a Lambda container: evict only what nobody holds and nobody used for `idleMs`. */
export function shouldEvict(slot: SlotState, now: number, idleMs: number): boolean {
  return !slot.leased && now - slot.lastUsedAt > idleMs;
}

/** After an idle gap the socket may be half-open (the container was frozen, the peer moved on): ping first. */
export function needsProbe(lastUsedAt: number, now: number, probeAfterIdleMs: number): boolean {
  return now - lastUsedAt > probeAfterIdleMs;
}

/** How often the unref'd sweep runs: often enough to honour `idleMs`, never busier than once a second. */
export function sweepIntervalMs(idleMs: number): number {
  return Math.max(1000, Math.floor(idleMs / 2));
}
