/**
 * One set of tunnel defaults (lib/tunnel/defaults.ts): the function's configuration, the pool it
 * builds and the CDK stack's settings all start from the same values.
 */
import { parseSettings } from '../../infra/lib/settings';
import { parseConfig } from '../../lib/config';
import { TUNNEL_DEFAULTS } from '../../lib/tunnel/defaults';
import { resetSharedPool, sharedPool } from '../../lib/tunnel/shared';

afterEach(() => resetSharedPool());

it('gives the configuration, the pool and the stack the same defaults', () => {
  const config = parseConfig({ CODER_URL: 'https://coder.example.com' });
  expect(config.tunnel).toEqual({
    maxChannelsPerAgent: TUNNEL_DEFAULTS.maxChannelsPerAgent,
    idleMs: TUNNEL_DEFAULTS.idleMs,
    probeAfterIdleMs: TUNNEL_DEFAULTS.probeAfterIdleMs,
  });
  expect(sharedPool(config.tunnel).settings).toEqual(TUNNEL_DEFAULTS);
  const settings = parseSettings({ coderUrl: 'https://coder.example.com' });
  expect({ maxChannelsPerAgent: settings.maxChannelsPerAgent, idleMs: settings.tunnelIdleMs }).toEqual({
    maxChannelsPerAgent: TUNNEL_DEFAULTS.maxChannelsPerAgent,
    idleMs: TUNNEL_DEFAULTS.idleMs,
  });
});

it('applies a later configuration to the pool built from the first, and keeps it when none is given', () => {
  const pool = sharedPool({ maxChannelsPerAgent: 1, idleMs: 60_000, probeAfterIdleMs: 1_000 });
  expect(sharedPool({ maxChannelsPerAgent: 4, idleMs: 120_000, probeAfterIdleMs: 2_000 })).toBe(pool);
  expect(pool.settings).toEqual({
    ...TUNNEL_DEFAULTS,
    maxChannelsPerAgent: 4,
    idleMs: 120_000,
    probeAfterIdleMs: 2_000,
  });
  expect(sharedPool().settings.maxChannelsPerAgent).toBe(4);
});
