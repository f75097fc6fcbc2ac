/**
 * The one pool per container. Module scope is what makes it "container-warm": every warm invocation
 * of this Lambda sees the same pool, and nothing else lives across invocations. It is built once, from
 * the first invocation's configuration; each later invocation hands in its own (lib/config.ts reloads
 * it after its TTL), which the pool applies, so a changed TUNNEL_* setting takes effect without a new
 * container.
 */
import { systemClock, type Clock } from './clock';
import { TUNNEL_DEFAULTS, type PoolOptions } from './defaults';
import { TunnelPool, type PoolHooks } from './pool';

let shared: TunnelPool | undefined;
/** The clock the next pool is built with: the real one, unless a test installed another (resetSharedPool). */
let nextClock: Clock = systemClock;

/**
 * The container's pool, built on first use. With `options` (the invocation's configuration) the pool
 * applies them; without, it keeps what it has. `hooks` (metrics) are taken when the pool is built.
 */
export function sharedPool(options?: Partial<PoolOptions>, hooks: Omit<PoolHooks, 'clock'> = {}): TunnelPool {
  if (!shared) {
    shared = new TunnelPool({ ...TUNNEL_DEFAULTS, ...options }, { ...hooks, clock: nextClock });
  } else if (options) {
    shared.configure({ ...shared.settings, ...options });
  }
  return shared;
}

/** For tests and the local server's shutdown: closes the pool; the next one is built afresh, on `clock` when given (fake time). */
export function resetSharedPool(clock: Clock = systemClock): void {
  shared?.closeAll();
  shared = undefined;
  nextClock = clock;
}
