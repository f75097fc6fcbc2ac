/**
 * Time as the pool, the channels and the workspace waits see it, injected so that a test advances
 * fake time instead of sleeping through real time (test/helpers/fake-clock.ts). `systemClock` is the
 * real one: Date.now and Node's timers.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** A signal that aborts after `ms`, as AbortSignal.timeout does. */
  timeout(ms: number): AbortSignal;
  /** Runs `fn` every `ms` until the returned function is called; never keeps the process alive on its own. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
  timeout: (ms) => AbortSignal.timeout(ms),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    // Never keep a process (or a test run) alive just for housekeeping.
    timer.unref();
    return () => clearInterval(timer);
  },
};
