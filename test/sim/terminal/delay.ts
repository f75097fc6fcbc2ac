/**
 * One-way network delay that keeps order: each message is delivered `delayMs` after it was sent, but
 * never before the message sent ahead of it, so messages overlap in flight like on a real link.
 */
export class DelayLine {
  private lastAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly delayMs: () => number) {}

  send(deliver: () => void): void {
    const delay = this.delayMs();
    if (delay <= 0 && this.timers.size === 0) return deliver();
    const at = Math.max(Date.now() + delay, this.lastAt);
    this.lastAt = at;
    const t = setTimeout(() => {
      this.timers.delete(t);
      deliver();
    }, at - Date.now());
    this.timers.add(t);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
