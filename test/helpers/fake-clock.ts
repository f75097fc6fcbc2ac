/**
 * Fake time for the code that takes a Clock (lib/tunnel/clock.ts): the pool, the channels and the
 * workspace waits. A test moves time with `advance` (timers due on the way fire, in order) or `jump`
 * (a frozen Lambda container: time passes, no timer runs), and `sleeping` lets it wait, without
 * sleeping, until the code under test is waiting on this clock.
 */
import type { Clock } from '../../lib/tunnel/clock';

interface Timer {
  at: number;
  fn: () => void;
  kind: 'sleep' | 'timeout' | 'every';
  /** Set for `every`: the timer comes back this much later each time it fires. */
  period?: number;
}

export class FakeClock implements Clock {
  private t: number;
  private readonly timers = new Set<Timer>();
  private readonly watchers: (() => void)[] = [];
  /** Every `sleep` asked for so far, in ms: what a test checks a waiting loop's rhythm against. */
  readonly sleeps: number[] = [];

  /** Starts at the real time, so code that reads the real clock where it should read this one sees no time pass and is caught. */
  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.t + ms,
        kind: 'sleep',
        fn: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers.delete(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.add(timer);
    });
  }

  timeout(ms: number): AbortSignal {
    const controller = new AbortController();
    this.add({
      at: this.t + ms,
      kind: 'timeout',
      fn: () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    });
    return controller.signal;
  }

  every(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.t + ms, kind: 'every', fn, period: ms };
    this.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves time on by `ms`, firing each timer that falls due on the way at its own moment, earliest first. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers].filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      if (next.period) next.at += next.period;
      else this.timers.delete(next);
      next.fn();
    }
    this.t = end;
  }

  /** Moves time on by `ms` and fires nothing: a frozen container, whose timers do not run while it is frozen. */
  jump(ms: number): void {
    this.t += ms;
  }

  /** Resolves once a `sleep` is pending: the code under test is waiting on this clock. */
  sleeping(): Promise<void> {
    if ([...this.timers].some((x) => x.kind === 'sleep')) return Promise.resolve();
    return new Promise<void>((resolve) => this.watchers.push(resolve));
  }

  private add(timer: Timer): void {
    this.timers.add(timer);
    if (timer.kind === 'sleep') for (const wake of this.watchers.splice(0)) wake();
  }
}
