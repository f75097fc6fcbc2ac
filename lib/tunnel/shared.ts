/**
 * The one pool per container. Module scope is what makes it "container-warm": every warm invocation
 * of this Lambda sees the same pool, and nothing else lives across invocations.
 */
import { TunnelPool, type PoolEvent, type PoolOptions } from './pool';

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  maxChannelsPerAgent: 2,
  idleMs: 10 * 60_000,
  probeAfterIdleMs: 5_000,
  probeTimeoutMs: 1_500,
};

let shared: TunnelPool | undefined;

export function sharedPool(options: PoolOptions = DEFAULT_POOL_OPTIONS, onEvent?: (e: PoolEvent) => void): TunnelPool {
  shared ??= new TunnelPool(options, onEvent);
  return shared;
}

/** For tests and the local server's shutdown. */
export function resetSharedPool(): void {
  shared?.closeAll();
  shared = undefined;
}
