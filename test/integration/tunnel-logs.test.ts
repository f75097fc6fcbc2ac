/**
 * The operator's log lines of the tunnel, through the real path (MCP client → local server → pool →
 * simulator PTY): a dial, a re-attach, a recovery and an eviction each say which agent and how long
 * it took, and none carries the caller's token, a URL or what a command printed. Idle time passes on
 * a fake clock.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LogFields } from '../../lib/log';
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool, sharedPool } from '../../lib/tunnel/shared';
import { FakeClock } from '../helpers/fake-clock';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

const lines: { level: string; message: string; fields: LogFields }[] = [];
jest.mock('../../lib/log', () => ({
  ...jest.requireActual<object>('../../lib/log'),
  log: (level: string, message: string, fields: LogFields = {}) => lines.push({ level, message, fields }),
}));

let stack: Stack;
beforeEach(async () => {
  lines.length = 0;
  clearResolutions();
  stack = await startStack();
});
afterEach(async () => {
  resetSharedPool();
  await stack.close();
});

const tunnelLines = (message: string) => lines.filter((l) => l.message === message).map((l) => l.fields);

it('logs a dial, a re-attach, a recovery and an eviction with the agent id and a duration, and nothing secret', async () => {
  const clock = new FakeClock();
  resetSharedPool(clock);
  const agentId = stack.sim.demo.agentId;
  const token = stack.sim.demo.user.token;
  const client = await connectClient(stack, { token });
  const bash = (command: string) => callTool(client, 'coder_workspace_bash', { workspace: 'dev', command });

  expect(await bash('echo PRINTED-BY-THE-COMMAND')).toMatchObject({ isError: false });
  expect(tunnelLines('tunnel dial')).toEqual([
    { agentId, session: 'new-session', attempts: 1, ms: expect.any(Number) },
  ]);

  // An idle gap past the probe time with the socket gone: the probe fails, the same session is found again.
  clock.jump(sharedPool().settings.probeAfterIdleMs + 1);
  stack.sim.pty.dropSockets();
  expect(await bash('true')).toMatchObject({ isError: false });
  expect(tunnelLines('tunnel reattach')).toEqual([
    { agentId, session: 'same-session', attempts: 1, ms: expect.any(Number) },
  ]);

  // A socket lost while a command runs (waiting for the agent's shell to start it, not for time in our code).
  const flag = path.join(stack.sim.pty.workspaceHome(stack.sim.demo.workspaceId), 'recovery-flag');
  const running = bash(`touch '${flag}'; sleep 0.3; echo recovered`);
  while (!existsSync(flag)) await new Promise((r) => setImmediate(r));
  expect(stack.sim.pty.dropSockets()).toBe(1);
  expect(await running).toMatchObject({ isError: false });
  expect(tunnelLines('tunnel recovery reattach')).toEqual([
    { agentId, session: 'same-session', attempts: expect.any(Number), ms: expect.any(Number) },
  ]);
  expect(tunnelLines('tunnel recovery')).toEqual([
    { agentId, op: 'exec', outcome: 'answered', ms: expect.any(Number) },
  ]);

  clock.advance(sharedPool().settings.idleMs * 2);
  expect(tunnelLines('tunnel eviction')).toEqual([{ agentId, idleMs: expect.any(Number) }]);
  expect(tunnelLines('tunnel eviction')[0]?.idleMs).toBeGreaterThan(sharedPool().settings.idleMs);

  const written = JSON.stringify(lines);
  for (const secret of [token, 'PRINTED-BY-THE-COMMAND', 'recovered', '?', 'ws://', stack.sim.url])
    expect(written).not.toContain(secret);
  await client.close();
});

it("logs a failed dial with the error class and status, not coderd's text", async () => {
  resetSharedPool();
  const client = await connectClient(stack, { token: stack.sim.demo.user.token });
  stack.sim.failNext({ method: 'GET', pathPrefix: `/api/v2/workspaceagents/${stack.sim.demo.agentId}/pty` }, 400, {
    message: 'SECRET-LOOKING coderd text',
  });
  expect(await callTool(client, 'coder_workspace_bash', { workspace: 'dev', command: 'true' })).toMatchObject({
    isError: true,
  });
  expect(tunnelLines('tunnel dial failed')).toEqual([
    { agentId: stack.sim.demo.agentId, error: 'TunnelDialError', status: 400, attempts: 1, ms: expect.any(Number) },
  ]);
  expect(JSON.stringify(lines)).not.toContain('SECRET-LOOKING');
  await client.close();
});
