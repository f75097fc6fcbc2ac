/**
 * The container-warm pool through the real path (MCP client → local server → handler → pool →
 * simulator PTY): one dial for many warm calls, no sharing across identities, queueing beyond the
 * per-agent limit, idle eviction and the probe after an idle gap (on a fake clock: the test moves
 * time, nothing sleeps), a refreshed configuration, and the permission check on every call.
 */
import { parseConfig, type Config } from '../../lib/config';
import { makeResponder } from '../../lib/handler';
import { startLocalServer } from '../../lib/local/server';
import { clearResolutions } from '../../lib/tools/agent-access';
import { TUNNEL_DEFAULTS } from '../../lib/tunnel/defaults';
import { sweepIntervalMs } from '../../lib/tunnel/evict';
import { resetSharedPool, sharedPool } from '../../lib/tunnel/shared';
import { FakeClock } from '../helpers/fake-clock';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeEach(async () => {
  resetSharedPool();
  clearResolutions();
  stack = await startStack();
});
afterEach(async () => {
  resetSharedPool();
  await stack.close();
});

async function echo(client: Awaited<ReturnType<typeof connectClient>>, text = 'ok') {
  const res = await callTool(client, 'coder_workspace_bash', { workspace: 'admin/dev', command: `echo ${text}` });
  expect(res).toMatchObject({ isError: false });
  return res.json() as { output: string };
}

it('serves 100 sequential warm calls to one agent over exactly one dial', async () => {
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  for (let i = 0; i < 100; i++) expect((await echo(client, String(i))).output).toBe(String(i));
  expect(stack.sim.pty.dials()).toBe(1);
  expect(stack.sim.pty.sessions()).toHaveLength(1);
  expect(sharedPool().stats).toMatchObject({ dial: 1, reuse: 99 });
  await client.close();
});

it('never lets two identities share a channel', async () => {
  const other = stack.sim.addUser('bob', 'owner');
  const admin = await connectClient(stack, { token: stack.sim.demo.user.token });
  const bob = await connectClient(stack, { token: other.token });
  for (let i = 0; i < 3; i++) {
    await echo(admin);
    await echo(bob);
  }
  expect(stack.sim.pty.sessions()).toHaveLength(2);
  expect(sharedPool().stats.dial).toBe(2);
  await admin.close();
  await bob.close();
});

it('queues calls beyond maxChannelsPerAgent and finishes them all', async () => {
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  const calls = Array.from({ length: 6 }, (_, i) =>
    callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: `sleep 0.3; echo ${i}` }),
  );
  const results = await Promise.all(calls);
  expect(results.map((r) => (r.json() as { output: string }).output)).toEqual(['0', '1', '2', '3', '4', '5']);
  expect(stack.sim.pty.dials()).toBe(TUNNEL_DEFAULTS.maxChannelsPerAgent);
  expect(sharedPool().stats.queue_wait).toBeGreaterThan(0);
  await client.close();
});

it('evicts a channel idle past idleMs from its sweep timer', async () => {
  const clock = new FakeClock();
  resetSharedPool(clock);
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  await echo(client);
  const pool = sharedPool();
  const { idleMs } = pool.settings;
  expect(idleMs).toBe(TUNNEL_DEFAULTS.idleMs);
  // Idle for exactly idleMs, with the sweep run on the way: not past it yet.
  clock.advance(idleMs);
  expect(pool.channelCount()).toBe(1);
  clock.advance(sweepIntervalMs(idleMs));
  expect(pool.channelCount()).toBe(0);
  expect(pool.stats.eviction).toBe(1);
  await echo(client);
  expect(pool.stats.dial).toBe(2);
  await client.close();
});

it('evicts on the next call a channel that went idle while the container was frozen (no timer ran)', async () => {
  const clock = new FakeClock();
  resetSharedPool(clock);
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  await echo(client);
  const pool = sharedPool();
  clock.jump(pool.settings.idleMs + 1);
  expect(pool.channelCount()).toBe(1);
  await echo(client);
  expect(pool.stats).toMatchObject({ eviction: 1, dial: 2, reuse: 0 });
  expect(stack.sim.pty.dials()).toBe(2);
  await client.close();
});

it('pings a channel idle past probeAfterIdleMs before use, and re-attaches to its session when the socket is gone', async () => {
  const clock = new FakeClock();
  resetSharedPool(clock);
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  await echo(client);
  const pool = sharedPool();
  // Within the idle gap: used as it is, no probe.
  clock.jump(pool.settings.probeAfterIdleMs);
  await echo(client);
  expect(pool.stats).toMatchObject({ reuse: 1, reattach: 0 });
  // Past it, with the socket dropped meanwhile (as while frozen): the probe fails and the same session is found again.
  clock.jump(pool.settings.probeAfterIdleMs + 1);
  expect(stack.sim.pty.dropSockets()).toBe(1);
  await echo(client);
  expect(pool.stats).toMatchObject({ dial: 1, reuse: 2, reattach: 1 });
  expect(stack.sim.pty.sessions()).toHaveLength(1);
  expect(stack.sim.pty.dials()).toBe(2);
  await client.close();
});

it('applies a refreshed configuration to the pool it built from the first one', async () => {
  // The handler reads the configuration per request, as getConfig hands out a reloaded one after its TTL.
  let config: Config = parseConfig({
    CODER_URL: stack.sim.url,
    MCP_STREAM_RESPONSES: 'true',
    TUNNEL_MAX_CHANNELS_PER_AGENT: '1',
  });
  const server = await startLocalServer({ respond: makeResponder(() => config) });
  try {
    const client = await connectClient({ ...stack, mcpUrl: `${server.url}/mcp` }, { token: stack.sim.demo.user.token });
    const burst = () =>
      Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: `sleep 0.2; echo ${i}` }),
        ),
      );
    await burst();
    expect(sharedPool().settings.maxChannelsPerAgent).toBe(1);
    expect(stack.sim.pty.dials()).toBe(1);
    config = parseConfig({
      CODER_URL: stack.sim.url,
      MCP_STREAM_RESPONSES: 'true',
      TUNNEL_MAX_CHANNELS_PER_AGENT: '3',
      TUNNEL_IDLE_MS: '120000',
    });
    await burst();
    expect(sharedPool().settings).toMatchObject({ maxChannelsPerAgent: 3, idleMs: 120_000 });
    expect(stack.sim.pty.dials()).toBe(3);
    await client.close();
  } finally {
    await server.close();
  }
});

it('refuses a call once SSH permission is revoked, although a channel is warm', async () => {
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  await echo(client);
  stack.sim.denySsh(stack.sim.demo.user.username, true);
  const res = await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'echo should-not-run' });
  expect(res).toMatchObject({ isError: true, text: 'unauthorized: you do not have SSH access to this workspace' });
  expect(sharedPool().channelCount()).toBe(1);
  await client.close();
});
