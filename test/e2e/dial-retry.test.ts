/**
 * Dials and re-attaches that fail for a reason a new dial can cure (a 5xx from coderd or a proxy, a
 * socket lost while attaching) are tried again with back-off, through the MCP client and the local
 * server; a refusal that will not change (a 4xx) is reported at once; and a command whose socket and
 * then several re-attaches fail still returns exactly what it printed, having run once.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool } from '../../lib/tunnel/shared';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/until';

let stack: Stack;
let client: Client;
const ptyPath = () => `/api/v2/workspaceagents/${stack.sim.demo.agentId}/pty`;

beforeAll(async () => {
  stack = await startStack();
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
});
afterAll(async () => {
  await client.close();
  resetSharedPool();
  await stack.close();
});
beforeEach(() => {
  resetSharedPool();
  clearResolutions();
});

const bash = (command: string) => callTool(client, 'coder_workspace_bash', { workspace: 'dev', command });

it('dials again after 502s from a proxy in front of coderd, and the call succeeds', async () => {
  const before = stack.sim.requestCount(ptyPath());
  stack.sim.failNext(
    { method: 'GET', pathPrefix: ptyPath() },
    502,
    '<html><head><title>502 Bad Gateway</title></head></html>',
    3,
  );
  const res = await bash('echo through');
  expect(res).toMatchObject({ isError: false });
  expect(res.json()).toEqual({ output: 'through', exit_code: 0 });
  expect(stack.sim.requestCount(ptyPath()) - before).toBe(4);
});

it('reports a 4xx refusal of the dial at once, without dialling again', async () => {
  const before = stack.sim.requestCount(ptyPath());
  stack.sim.failNext({ method: 'GET', pathPrefix: ptyPath() }, 400, { message: 'Invalid query parameters.' });
  const res = await bash('echo never');
  expect(res).toMatchObject({
    isError: true,
    text: 'cannot open the workspace terminal: coderd answered 400: Invalid query parameters.',
  });
  expect(stack.sim.requestCount(ptyPath()) - before).toBe(1);
});

it('recovers a running command through re-attaches refused by 503, returning what it printed, run once', async () => {
  const home = stack.sim.pty.workspaceHome(stack.sim.demo.workspaceId);
  const file = path.join(home, 'retry-once.txt');
  const started = path.join(home, 'retry-started');
  expect((await bash('true')).isError).toBe(false);
  const running = bash(`touch '${started}'; sleep 0.6; echo ran >> '${file}'; echo printed; exit 3`);
  // The command is running on the agent: its socket goes now.
  await until(() => existsSync(started), 'the command to start');
  stack.sim.failNext({ method: 'GET', pathPrefix: ptyPath() }, 503, { message: 'Service unavailable.' }, 2);
  expect(stack.sim.pty.dropSockets()).toBe(1);
  const res = await running;
  expect(res).toMatchObject({ isError: false });
  expect(res.json()).toEqual({ output: 'printed', exit_code: 3 });
  expect(readFileSync(file, 'utf8')).toBe('ran\n');
  expect(stack.sim.pty.sessions()).toHaveLength(1);
});
