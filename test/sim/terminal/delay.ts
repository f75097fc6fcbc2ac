/**
 * The simulated link's one-way delay. A message is delivered `delayMs` after it was sent, never
 * before the message sent ahead of it, so messages overlap in flight like on a real link.
 *
 * Delays are exact to a few microseconds: `setTimeout` alone fires up to ~1.5 ms late (whole-ms
 * resolution plus loop slack), which would add several ms to every round trip of a benchmark whose
 * spec says a round trip costs 40 ms. So the timer is set a little early and the rest is waited
 * out on the event loop's check phase.
 */
const EARLY_MS = 2;

/** Runs `fn` at `at` (a `performance.now()` time) or as soon after as the event loop allows; returns a cancel function. */
export function runAt(at: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const check = () => {
    timer = undefined;
    if (performance.now() >= at) return fn();
    immediate = setImmediate(check);
  };
  const early = at - performance.now() - EARLY_MS;
  if (early > 0) timer = setTimeout(check, early);
  else immediate = setImmediate(check);
  return () => {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}

export class DelayLine {
  /** In send order, which is also delivery order: `at` never decreases along the queue. */
  private readonly queue: { at: number; deliver: () => void }[] = [];
  private cancel: (() => void) | undefined;

  constructor(private readonly delayMs: () => number) {}

  send(deliver: () => void): void {
    const delay = this.delayMs();
    if (delay <= 0 && this.queue.length === 0) {
      deliver();
      return;
    }
    const last = this.queue[this.queue.length - 1];
    this.queue.push({ at: Math.max(performance.now() + delay, last?.at ?? 0), deliver });
    if (this.queue.length === 1) this.schedule();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.queue.length = 0;
  }

  /** One timer at a time, for the head of the queue, so messages can never overtake each other. */
  private schedule(): void {
    const head = this.queue[0];
    if (!head) return;
    this.cancel = runAt(head.at, () => {
      this.cancel = undefined;
      const now = performance.now();
      while (this.queue[0] && this.queue[0].at <= now) this.queue.shift()?.deliver();
      this.schedule();
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => runAt(performance.now() + ms, resolve)) : Promise.resolve();
}
