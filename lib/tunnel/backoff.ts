/**
 * Waiting between attempts to reach the workspace terminal again: exponential back-off with jitter (so
 * many channels dropped by one fault do not come back in lock-step), and a wait that the call's
 * deadline cuts short.
 */
import { DeadlineError } from '../errors';

const FIRST_MS = 50;
const MAX_MS = 1_000;

/** The wait before retry number `attempt` (0-based): 50 ms doubling to 1 s, each drawn from its upper half. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_MS, FIRST_MS * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or rejects with a DeadlineError as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DeadlineError(what));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
