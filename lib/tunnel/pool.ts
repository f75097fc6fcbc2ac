/**
 * The container-warm pool of agent channels (DESIGN "The pool"). It lives in module scope, so warm
 * invocations reuse channels. Keys are deployment + agent + a fingerprint of the caller's token: a
 * channel opened with one identity is never handed to another. A lease is one caller's exclusive use
 * of one channel (one request in flight per channel); releasing it never closes the channel unless
 * the caller reports the channel broken. Its settings come from the configuration (`configure` applies a
 * refreshed one) and its time from an injected clock.
 */
import { randomUUID } from 'node:crypto';
import { fingerprint } from '../auth/token';
import { AppError, DeadlineError } from '../errors';
import { AgentChannel, type ChannelTarget } from './channel';
import { systemClock, type Clock } from './clock';
import type { PoolOptions } from './defaults';
import { AgentOpError } from './errors';
import { needsProbe, shouldEvict, sweepIntervalMs } from './evict';
import { logEviction } from './oplog';

export type { PoolOptions } from './defaults';

export type PoolEvent = 'dial' | 'reuse' | 'reattach' | 'eviction' | 'queue_wait';

/** What the pool tells its owner (metrics) and what it runs on; all optional. */
export interface PoolHooks {
  /** Time for idle and probe decisions, the sweep timer and the channels; the real clock by default. */
  clock?: Clock;
  onEvent?: (event: PoolEvent) => void;
  /** Leases held across the pool, each time one is handed out (its peak is what a graph wants). */
  onLeasesInUse?: (leases: number) => void;
}

export interface Lease {
  readonly id: string;
  readonly channel: AgentChannel;
  /** Gives the channel back. With an error that says the channel is unusable, the channel is closed instead. Runs once. */
  release(fault?: unknown): void;
}

interface Slot {
  channel: AgentChannel;
  leaseId: string | undefined;
}

interface Entry {
  slots: Slot[];
  queue: (() => void)[];
}

export class TunnelPool {
  /** Events so far, by kind: what a test or a benchmark reads (metrics get them through `onEvent`). */
  readonly stats: Record<PoolEvent, number> = { dial: 0, reuse: 0, reattach: 0, eviction: 0, queue_wait: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private options: Readonly<PoolOptions>;
  private stopSweeper: (() => void) | undefined;

  constructor(
    options: PoolOptions,
    private readonly hooks: PoolHooks = {},
  ) {
    this.options = { ...options };
    this.clock = hooks.clock ?? systemClock;
  }

  get settings(): Readonly<PoolOptions> {
    return this.options;
  }

  /**
   * Applies a refreshed configuration. Channels stay: a lower per-agent limit lets existing channels live
   * until they are evicted (no new ones are dialled above it), and a new idle time applies from the next sweep.
   */
  configure(options: PoolOptions): void {
    const idleChanged = options.idleMs !== this.options.idleMs;
    this.options = { ...options };
    if (idleChanged && this.stopSweeper) {
      this.stopSweeper();
      this.stopSweeper = undefined;
      this.startSweeper();
    }
  }

  /** Leases a channel to the target's agent for this identity, dialling or queueing as the limits say. */
  async acquire(target: ChannelTarget, signal: AbortSignal): Promise<Lease> {
    this.sweep(this.clock.now());
    const key = poolKey(target);
    let waited = false;
    for (;;) {
      const entry = this.entry(key);
      const free = entry.slots.find((s) => s.leaseId === undefined);
      if (free) return this.leaseExisting(key, free, signal);
      if (entry.slots.length < this.options.maxChannelsPerAgent) return this.leaseNew(key, target, signal);
      if (!waited) this.count('queue_wait');
      waited = true;
      await this.waitForRelease(entry, signal);
    }
  }

  channelCount(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.slots.length;
    return n;
  }

  /** Closes idle channels past `idleMs`; runs on every acquire and from the clock's timer. */
  sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      for (const slot of [...entry.slots]) {
        if (
          shouldEvict(
            { leased: slot.leaseId !== undefined, lastUsedAt: slot.channel.lastUsedAt },
            now,
            this.options.idleMs,
          )
        ) {
          this.remove(key, slot);
          this.count('eviction');
          logEviction(slot.channel.agentId, now - slot.channel.lastUsedAt);
        }
      }
    }
  }

  closeAll(): void {
    for (const [key, entry] of this.entries) for (const slot of [...entry.slots]) this.remove(key, slot);
    this.entries.clear();
    this.stopSweeper?.();
    this.stopSweeper = undefined;
  }

  private async leaseExisting(key: string, slot: Slot, signal: AbortSignal): Promise<Lease> {
    const lease = this.lease(key, slot);
    try {
      await this.ensureAlive(slot.channel, signal);
      this.count('reuse');
      return lease;
    } catch (err) {
      lease.release(err);
      throw err;
    }
  }

  private async leaseNew(key: string, target: ChannelTarget, signal: AbortSignal): Promise<Lease> {
    const slot: Slot = { channel: new AgentChannel(target, { clock: this.clock }), leaseId: undefined };
    this.entry(key).slots.push(slot);
    const lease = this.lease(key, slot);
    try {
      await slot.channel.open(signal);
      this.count('dial');
      return lease;
    } catch (err) {
      lease.release(err);
      throw err;
    }
  }

  /** Probes a channel that sat idle; a dead socket is re-attached to the same session (or a new one if it is gone). */
  private async ensureAlive(channel: AgentChannel, signal: AbortSignal): Promise<void> {
    if (channel.isOpen && !needsProbe(channel.lastUsedAt, this.clock.now(), this.options.probeAfterIdleMs)) return;
    if (await channel.probe(this.options.probeTimeoutMs)) return;
    const result = await channel.reattach(signal);
    this.count(result === 'same-session' ? 'reattach' : 'dial');
  }

  private lease(key: string, slot: Slot): Lease {
    const id = randomUUID();
    slot.leaseId = id;
    this.hooks.onLeasesInUse?.(this.leasesInUse());
    let released = false;
    return {
      id,
      channel: slot.channel,
      release: (fault?: unknown) => {
        if (released) return;
        released = true;
        if (slot.leaseId === id) slot.leaseId = undefined;
        if (fault !== undefined && breaksChannel(fault)) this.remove(key, slot);
        slot.channel.lastUsedAt = this.clock.now();
        this.entries.get(key)?.queue.shift()?.();
      },
    };
  }

  private waitForRelease(entry: Entry, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = entry.queue.indexOf(wake);
        if (i !== -1) entry.queue.splice(i, 1);
        reject(
          new DeadlineError(
            'every channel to this workspace stayed busy until the deadline; retry, or raise TUNNEL_MAX_CHANNELS_PER_AGENT',
          ),
        );
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      entry.queue.push(wake);
    });
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { slots: [], queue: [] };
      this.entries.set(key, entry);
      this.startSweeper();
    }
    return entry;
  }

  private remove(key: string, slot: Slot): void {
    slot.channel.close();
    const entry = this.entries.get(key);
    if (!entry) return;
    const i = entry.slots.indexOf(slot);
    if (i !== -1) entry.slots.splice(i, 1);
    // A waiter may now dial in the freed place.
    entry.queue.shift()?.();
    if (entry.slots.length === 0 && entry.queue.length === 0) this.entries.delete(key);
  }

  private startSweeper(): void {
    if (this.stopSweeper) return;
    // The clock's timer never keeps a process (or a test run) alive just to evict channels.
    this.stopSweeper = this.clock.every(sweepIntervalMs(this.options.idleMs), () => this.sweep(this.clock.now()));
  }

  private leasesInUse(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.slots.filter((s) => s.leaseId !== undefined).length;
    return n;
  }

  private count(event: PoolEvent): void {
    this.stats[event] += 1;
    this.hooks.onEvent?.(event);
  }
}

/** Deployment + agent + token fingerprint. Raw tokens never become keys. */
export function poolKey(target: ChannelTarget): string {
  return `${target.coderUrl}\n${target.agentId}\n${fingerprint(target.coderUrl, target.token)}`;
}

/** An operation failure reported by the agent leaves the channel fine; anything else (deadline mid-request, lost session, dial failure) discards it. */
export function breaksChannel(fault: unknown): boolean {
  return !(fault instanceof AgentOpError) && !(fault instanceof AppError && fault.code === 'invalid_argument');
}
