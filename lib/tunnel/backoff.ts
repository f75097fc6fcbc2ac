/**
 * The wait between attempts to reach the workspace terminal again: exponential back-off with jitter,
 * so many channels dropped by one fault do not come back in lock-step. The wait itself is the
 * channel's clock's (clock.ts), which the call's deadline cuts short.
 */

const FIRST_MS = 50;
const MAX_MS = 1_000;

/** The wait before retry number `attempt` (0-based): 50 ms doubling to 1 s, each drawn from its upper half. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_MS, FIRST_MS * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
