/**
 * A fault driver for soak tests: bursts of faults on the simulated link between the server and the
 * agent, chosen by a seeded generator and bounded in count and time. Bursts: every socket dropped
 * again and again; a storm in which new sockets die soon after they attach and some upgrades are
 * refused (attaches and re-attaches fail repeatedly); a slow link with drops in it; and the server
 * process frozen (SIGSTOP) while its sockets are dropped, then thawed, sometimes into a storm.
 * Every knob is put back when a burst ends and when the driver stops.
 */
import type { Simulator } from '../sim';
import type { Prng } from './prng';

export type BurstKind = 'drops' | 'attach-storm' | 'slow-link' | 'freeze' | 'freeze-into-storm';

export interface ChaosTarget {
  sim: Simulator;
  /** SIGSTOP / SIGCONT of the server process. */
  freeze(): void;
  thaw(): void;
}

export interface ChaosOptions {
  rng: Prng;
  /** No burst starts after this time (Date.now()); a running one finishes (each lasts at most ~2 s). */
  until: number;
  maxBursts: number;
  /** Called at every fault that may cut a request in flight, so callers can count the calls it hit. */
  onFault?: (kind: BurstKind) => void;
}

export interface ChaosStats {
  bursts: Record<BurstKind, number>;
  /** Sockets ended by `dropSockets`, and how many times it was called. */
  socketsDropped: number;
  dropCalls: number;
  freezes: number;
  frozenMs: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Chaos {
  readonly stats: ChaosStats = {
    bursts: { drops: 0, 'attach-storm': 0, 'slow-link': 0, freeze: 0, 'freeze-into-storm': 0 },
    socketsDropped: 0,
    dropCalls: 0,
    freezes: 0,
    frozenMs: 0,
  };
  private stopped = false;
  /** The simulator rolls its dice as sockets arrive, which timing decides: apart, so the burst sequence stays the seed's. */
  private readonly dice: Prng;

  constructor(
    private readonly target: ChaosTarget,
    private readonly opts: ChaosOptions,
  ) {
    this.dice = opts.rng.fork(0xc4a05);
  }

  /** Runs bursts with quiet gaps between them until `until`, `maxBursts` or `stop()`. */
  async run(): Promise<ChaosStats> {
    const { rng } = this.opts;
    try {
      for (let n = 0; n < this.opts.maxBursts && !this.stopped && Date.now() < this.opts.until; n++) {
        await this.burst(
          rng.pick<BurstKind>([
            'drops',
            'drops',
            'attach-storm',
            'attach-storm',
            'slow-link',
            'freeze',
            'freeze-into-storm',
          ]),
        );
        // Quiet gaps of varied length: some calls finish cleanly, and recoveries in progress meet the next burst.
        await pause(rng.int(50, 700));
      }
    } finally {
      this.calm();
    }
    return this.stats;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Every knob back to a healthy link and a running server. */
  calm(): void {
    const { pty } = this.target.sim;
    pty.dropNewSockets(undefined);
    pty.refuseSomeDials(undefined);
    pty.setLatency(0, 0);
    this.target.thaw();
  }

  private async burst(kind: BurstKind): Promise<void> {
    const { rng } = this.opts;
    const { pty } = this.target.sim;
    this.stats.bursts[kind] += 1;
    switch (kind) {
      case 'drops':
        for (let i = rng.int(2, 6); i > 0; i--) {
          this.drop(kind);
          await pause(rng.int(0, 120));
        }
        return;
      case 'attach-storm':
        await this.storm(kind, rng.int(300, 1500));
        return;
      case 'slow-link': {
        pty.setLatency(rng.int(10, 120), rng.int(0, 200));
        for (let i = rng.int(1, 3); i > 0; i--) {
          await pause(rng.int(100, 600));
          this.drop(kind);
        }
        await pause(rng.int(100, 400));
        pty.setLatency(0, 0);
        return;
      }
      case 'freeze':
      case 'freeze-into-storm': {
        const frozenMs = rng.int(100, 600);
        this.target.freeze();
        this.stats.freezes += 1;
        this.stats.frozenMs += frozenMs;
        await pause(rng.int(0, frozenMs));
        // Lambda's case: the peer closes a socket while the container sleeps; the thawed process finds it half-open.
        this.drop(kind);
        await pause(frozenMs);
        if (kind === 'freeze') {
          this.target.thaw();
          return;
        }
        this.setStorm();
        this.target.thaw();
        await pause(rng.int(200, 1000));
        this.endStorm();
        return;
      }
    }
  }

  /** New sockets die 0-50 ms after attaching and some upgrades are refused, while every live socket is dropped now and then. */
  private async storm(kind: BurstKind, windowMs: number): Promise<void> {
    const { rng } = this.opts;
    this.setStorm();
    const end = Date.now() + windowMs;
    while (Date.now() < end) {
      this.drop(kind);
      await pause(rng.int(50, 400));
    }
    this.endStorm();
  }

  private setStorm(): void {
    const { rng } = this.opts;
    const { pty } = this.target.sim;
    pty.dropNewSockets({
      probability: rng.pick([0.5, 0.8, 1]),
      minAfterMs: 0,
      maxAfterMs: rng.pick([10, 30, 50]),
      random: this.dice.random,
    });
    pty.refuseSomeDials({ probability: rng.pick([0, 0.2, 0.4]), random: this.dice.random });
  }

  private endStorm(): void {
    this.target.sim.pty.dropNewSockets(undefined);
    this.target.sim.pty.refuseSomeDials(undefined);
  }

  private drop(kind: BurstKind): void {
    this.stats.dropCalls += 1;
    this.stats.socketsDropped += this.target.sim.pty.dropSockets();
    this.opts.onFault?.(kind);
  }
}
