/**
 * Deadlines on workspace tools: a command that would outlive the Lambda ends as exit 124 with its
 * output and leaves the channel usable; an agent that stops answering gets a clear deadline result,
 * its channel is discarded, and the next call dials afresh. Never a Lambda timeout.
 */
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool, sharedPool } from '../../lib/tunnel/shared';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeEach(async () => {
  resetSharedPool();
  clearResolutions();
  // A 4 s Lambda with the default 1 s margin leaves tool calls about 3 s.
  stack = await startStack({ invocationTimeoutMs: 4000 });
});
afterEach(async () => {
  resetSharedPool();
  await stack.close();
});

it('fits a long command into the invocation: exit 124 with its output, and the channel stays usable', async () => {
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  const started = Date.now();
  const res = await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'echo begun; sleep 30' });
  expect(Date.now() - started).toBeLessThan(4000);
  expect(res.json()).toEqual({ output: 'begun\nCommand canceled due to timeout', exit_code: 124 });
  const next = await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'echo still-here' });
  expect(next.json()).toEqual({ output: 'still-here', exit_code: 0 });
  expect(stack.sim.pty.dials()).toBe(1);
  await client.close();
});

it('answers a hung agent with a deadline result, discards the channel, and recovers on the next call', async () => {
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'true' });
  const [session] = stack.sim.pty.sessions();
  expect(session).toBeDefined();
  // The agent's shell stops answering (as if the workspace hung).
  process.kill(session?.pid ?? 0, 'SIGSTOP');
  try {
    const res = await callTool(client, 'coder_workspace_ls', { workspace: 'dev', path: '/' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/deadline/);
    expect(sharedPool().channelCount()).toBe(0);
  } finally {
    process.kill(session?.pid ?? 0, 'SIGCONT');
  }
  const next = await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'echo fresh' });
  expect(next.json()).toEqual({ output: 'fresh', exit_code: 0 });
  expect(stack.sim.pty.dials()).toBe(2);
  await client.close();
});

it('an agent that disconnects between calls: the dial is refused, the agent is waited for, and the call ends with a clear result', async () => {
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'true' });
  resetSharedPool();
  stack.sim.setAgentState(stack.sim.demo.agentId, { status: 'disconnected' });
  const res = await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'echo never' });
  expect(res.isError).toBe(true);
  expect(res.text).toMatch(/deadline/);
  stack.sim.setAgentState(stack.sim.demo.agentId, { status: 'connected' });
  const next = await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'echo back' });
  expect(next.json()).toEqual({ output: 'back', exit_code: 0 });
  await client.close();
});
