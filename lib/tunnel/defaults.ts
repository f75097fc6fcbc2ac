/**
 * The agent channel pool's settings and their one set of defaults. lib/config.ts (the function's
 * TUNNEL_* environment), the pool itself and the CDK stack's settings (infra/lib/settings.ts) all read
 * them here, so a default changed here changes everywhere. Plain constants: the CDK app imports this
 * file, so it must not pull in anything that runs.
 */

export interface PoolOptions {
  /** Channels (PTY sessions) per agent and caller identity; further concurrent callers queue until their deadline. */
  maxChannelsPerAgent: number;
  /** An unleased channel unused for longer than this is closed. */
  idleMs: number;
  /** A channel unused for longer than this is pinged before use (after a freeze its socket may be half-open). */
  probeAfterIdleMs: number;
  /** Bound on that ping. */
  probeTimeoutMs: number;
}

export const TUNNEL_DEFAULTS: Readonly<PoolOptions> = Object.freeze({
  maxChannelsPerAgent: 2,
  idleMs: 10 * 60_000,
  probeAfterIdleMs: 5_000,
  probeTimeoutMs: 1_500,
});
