/**
 * The container-warm pool through the real path (MCP client → local server → handler → pool →
 * simulator PTY): one dial for many warm calls, no sharing across identities, queueing beyond the
 * per-agent limit, idle eviction, and the permission check on every call.
 */
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool, sharedPool, DEFAULT_POOL_OPTIONS } from '../../lib/tunnel/shared';
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
  expect(stack.sim.pty.dials()).toBe(DEFAULT_POOL_OPTIONS.maxChannelsPerAgent);
  expect(sharedPool().stats.queue_wait).toBeGreaterThan(0);
  await client.close();
});

it('evicts a channel idle past idleMs', async () => {
  resetSharedPool();
  const pool = sharedPool({ ...DEFAULT_POOL_OPTIONS, idleMs: 200 });
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  await echo(client);
  expect(pool.channelCount()).toBe(1);
  await new Promise((r) => setTimeout(r, 300));
  pool.sweep(Date.now());
  expect(pool.channelCount()).toBe(0);
  expect(pool.stats.eviction).toBe(1);
  await echo(client);
  expect(pool.stats.dial).toBe(2);
  await client.close();
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
