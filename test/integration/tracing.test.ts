/**
 * X-Ray tracing (MCP_TRACING) end to end: the local server runs in a child process with the
 * environment the Lambda runtime gives a function with active tracing (AWS_EXECUTION_ENV,
 * LAMBDA_TASK_ROOT, the invocation's _X_AMZN_TRACE_ID, AWS_XRAY_DAEMON_ADDRESS), so Powertools Tracer
 * and the X-Ray SDK run for real, with the facade segment they build in Lambda. The test plays the
 * X-Ray daemon: a loopback UDP socket that parses every segment document the SDK sends. An MCP SDK
 * client drives the server against the simulator: REST calls, tunnel dials, re-attaches, failures.
 *
 * A child process and not this one: the X-Ray SDK installs an async hook (cls-hooked) that cannot be
 * removed, and it reads its Lambda mode once, when loaded; each scenario gets a fresh process.
 */
import dgram from 'node:dgram';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { parseConfig } from '../../lib/config';
import { subsegmentName } from '../../lib/tracing';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { callTool } from '../helpers/stack';
import { startSimulator, type Simulator } from '../sim';
import { until } from '../helpers/until';

const ROOT_ID = '1-5759e988-bd862e3fe1be46a994272793';
const PARENT_ID = '53995c3f42cd8ad8';

const annotation = z.union([z.string(), z.number(), z.boolean()]);
const xrayDocument = z.object({
  name: z.string(),
  id: z.string(),
  trace_id: z.string(),
  parent_id: z.string().optional(),
  type: z.string().optional(),
  start_time: z.number(),
  end_time: z.number().optional(),
  annotations: z.record(z.string(), annotation).optional(),
  fault: z.boolean().optional(),
  error: z.boolean().optional(),
  throttle: z.boolean().optional(),
  cause: z.object({ exceptions: z.array(z.object({ type: z.string(), message: z.string() })) }).optional(),
});
type XrayDocument = z.infer<typeof xrayDocument>;

/** The X-Ray daemon as the SDK sees it: UDP datagrams of a JSON header line and one segment document. */
interface FakeDaemon {
  address: string;
  packets: string[];
  documents(): XrayDocument[];
  close(): Promise<void>;
}

async function startDaemon(): Promise<FakeDaemon> {
  const socket = dgram.createSocket('udp4');
  const packets: string[] = [];
  socket.on('message', (m) => packets.push(m.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    packets,
    documents: () =>
      packets.map((p) => {
        const [header, body] = [p.slice(0, p.indexOf('\n')), p.slice(p.indexOf('\n') + 1)];
        expect(JSON.parse(header)).toEqual({ format: 'json', version: 1 });
        return xrayDocument.parse(JSON.parse(body));
      }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The environment the Lambda runtime sets for a function with active tracing (the invocation's trace header included). */
function lambdaEnv(daemon: FakeDaemon): Record<string, string> {
  return {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: process.cwd(),
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    _X_AMZN_TRACE_ID: `Root=${ROOT_ID};Parent=${PARENT_ID};Sampled=1`,
    POWERTOOLS_SERVICE_NAME: 'coder-mcp',
  };
}

const TRACING_SETTING = /^(MCP_|AWS_|LAMBDA_|_X_AMZN|POWERTOOLS_)/;

/** Every way `text` can show up base64-encoded inside a longer encoded buffer (as in log-secrecy.test.ts). */
function base64Forms(text: string): string[] {
  return [0, 1, 2].map((shift) =>
    Buffer.concat([Buffer.alloc(shift), Buffer.from(text)])
      .toString('base64')
      .slice(4, -4),
  );
}

let sim: Simulator;
let daemon: FakeDaemon;
let server: ChildServer | undefined;
let client: Client | undefined;

beforeEach(async () => {
  sim = await startSimulator({ buildStepMs: 20 });
  daemon = await startDaemon();
});

afterEach(async () => {
  await client?.close().catch(() => undefined);
  await server?.stop();
  client = undefined;
  server = undefined;
  await daemon.close();
  await sim.close();
});

async function serve(env: Record<string, string>): Promise<Client> {
  // startChildServer passes this process's environment on: any tracing or Lambda setting it has is blanked, so each scenario sets exactly its own.
  const blank = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => TRACING_SETTING.test(k))
      .map((k) => [k, '']),
  );
  server = await startChildServer({
    ...blank,
    POWERTOOLS_METRICS_DISABLED: 'true',
    CODER_URL: sim.url,
    LOG_LEVEL: 'WARN',
    ...env,
  });
  client = new Client({ name: 'tracing-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: { authorization: `Bearer ${sim.demo.user.token}` } },
    }),
  );
  return client;
}

it('reads MCP_TRACING as a boolean, off by default; a malformed value fails naming it', () => {
  expect(parseConfig({ CODER_URL: 'https://coder.example.com' }).tracing).toBe(false);
  expect(parseConfig({ CODER_URL: 'https://coder.example.com', MCP_TRACING: 'true' }).tracing).toBe(true);
  expect(parseConfig({ CODER_URL: 'https://coder.example.com', MCP_TRACING: '0' }).tracing).toBe(false);
  expect(() => parseConfig({ CODER_URL: 'https://coder.example.com', MCP_TRACING: 'yes' })).toThrow(
    /MCP_TRACING: must be true or false/,
  );
});

it('names subsegments within what X-Ray accepts, and never with a query', () => {
  expect(subsegmentName('coder GET /api/v2/users/me/workspace/dev?include_deleted=false')).toBe(
    'coder GET /api/v2/users/me/workspace/dev',
  );
  expect(subsegmentName('coder GET /api/v2/templates/<x>*')).toBe('coder GET /api/v2/templates/_x__');
  expect(subsegmentName('x'.repeat(300))).toHaveLength(200);
});

it('sends a subsegment per Coder REST call and per tunnel dial, under the Lambda segment, with failures and nothing secret', async () => {
  const c = await serve({ ...lambdaEnv(daemon), MCP_TRACING: 'true', MCP_TOOL_TIMEOUT_MS: '4000' });
  const token = sim.demo.user.token;
  const file = `${sim.pty.workspaceHome(sim.demo.workspaceId)}/traced.txt`;
  const content = 'TRACE-SECRET-CONTENT 31: not for X-Ray\n';

  expect((await callTool(c, 'coder_get_authenticated_user')).isError).toBe(false);
  expect(
    (
      await callTool(c, 'coder_workspace_write_file', {
        workspace: 'dev',
        path: file,
        content: Buffer.from(content).toString('base64'),
      })
    ).isError,
  ).toBe(false);
  const bash = await callTool(c, 'coder_workspace_bash', { workspace: 'dev', command: 'echo cmd-marker-$((6*7))' });
  expect(bash.json()).toMatchObject({ output: 'cmd-marker-42', exit_code: 0 });
  // A dropped socket: the next call re-attaches to the same session.
  expect(sim.pty.dropSockets()).toBe(1);
  expect(
    (await callTool(c, 'coder_workspace_bash', { workspace: 'dev', command: 'echo after-drop' })).json(),
  ).toMatchObject({ output: 'after-drop' });
  // A refusal (404) and a fault (500) of Coder's REST API.
  expect((await callTool(c, 'coder_workspace_read_file', { workspace: 'no-such-workspace', path: file })).isError).toBe(
    true,
  );
  sim.failNext({ method: 'GET', pathPrefix: '/api/v2/users/me' }, 500);
  expect((await callTool(c, 'coder_get_authenticated_user')).isError).toBe(true);
  // Dials refused (502) until the call's deadline.
  sim.pty.refuseDials(true);
  sim.pty.dropSockets();
  expect((await callTool(c, 'coder_workspace_bash', { workspace: 'dev', command: 'echo never-runs' })).isError).toBe(
    true,
  );
  sim.pty.refuseDials(false);

  const dials = () => daemon.documents().filter((d) => d.name === 'tunnel dial');
  await until(() => dials().some((d) => d.annotations?.outcome === 'failed'), 'the failed dials');
  const docs = daemon.documents();

  // Every document is a closed subsegment of the invocation's segment, in its trace.
  for (const d of docs) {
    expect(d).toMatchObject({ type: 'subsegment', trace_id: ROOT_ID, parent_id: PARENT_ID });
    expect(d.end_time).toBeGreaterThanOrEqual(d.start_time);
  }
  // Only the subsegments this server makes: Powertools' automatic HTTP capture is off (it would add one per request, named by host).
  for (const d of docs)
    expect(d.name).toMatch(/^(coder (GET|POST|PUT|PATCH|DELETE) \/api\/(v2|experimental)\/\S+|tunnel dial)$/);
  const rest = (name: string) => docs.filter((d) => d.name === name);
  // One per REST call, named by method and path, with what it answered.
  const me = rest('coder GET /api/v2/users/me');
  expect(me.map((d) => d.annotations)).toContainEqual({
    http_method: 'GET',
    coder_path: '/api/v2/users/me',
    http_status: 200,
    outcome: 'ok',
  });
  expect(rest('coder POST /api/v2/authcheck').length).toBeGreaterThan(0);
  // The chats API detection, once per container and Coder URL (lib/tools/chats-availability.ts).
  expect(rest('coder GET /api/experimental/chats/model-configs')).toHaveLength(1);
  const found = rest('coder GET /api/v2/users/me/workspace/dev');
  expect(found.length).toBeGreaterThan(0);
  expect(found.every((d) => d.annotations?.http_status === 200 && !d.fault && !d.error)).toBe(true);
  // A 404 is an error (the caller's), a 500 a fault (Coder's), recorded by code and status only.
  const missing = rest('coder GET /api/v2/users/me/workspace/no-such-workspace');
  expect(missing).toHaveLength(1);
  expect(missing[0]).toMatchObject({
    error: true,
    annotations: { http_status: 404, outcome: 'failed', error_code: 'coder_api' },
  });
  expect(missing[0]?.fault).toBeUndefined();
  const fault = me.find((d) => d.fault);
  expect(fault).toMatchObject({
    annotations: { http_status: 500, outcome: 'failed' },
    cause: { exceptions: [{ type: 'coder_api', message: 'status 500' }] },
  });

  // One per attach attempt: the first dial, the re-attach after the drop, and the refused attempts.
  const outcomes = dials().map((d) => d.annotations?.outcome);
  expect(outcomes.slice(0, 2)).toEqual(['new-session', 'same-session']);
  const failed = dials().filter((d) => d.annotations?.outcome === 'failed');
  expect(failed.length).toBeGreaterThan(0);
  for (const d of dials()) expect(d.annotations?.agent_id).toBe(sim.demo.agentId);
  expect(failed[0]).toMatchObject({
    fault: true,
    annotations: { http_status: 502, error_code: 'tunnel_dial' },
    cause: { exceptions: [{ type: 'tunnel_dial' }] },
  });

  // Nothing secret: no token, no URL or query, no command, output or file content, anywhere in what was sent.
  const sent = daemon.packets.join('\n');
  for (const secret of [
    token,
    'Bearer',
    sim.url,
    sim.url.replace('http://', ''),
    'include_deleted',
    'reconnect',
    'cmd-marker',
    'after-drop',
    'never-runs',
    content.trim(),
    ...base64Forms(content),
  ]) {
    expect(sent).not.toContain(secret);
  }
  for (const d of docs) {
    expect(d.name).not.toContain('?');
    for (const value of Object.values(d.annotations ?? {})) expect(String(value)).not.toContain('?');
  }
}, 60_000);

const UNTRACED: [string, (daemon: FakeDaemon) => Record<string, string>, boolean][] = [
  // Powertools turns itself off where AWS_EXECUTION_ENV is unset (npm start, tests).
  ['outside Lambda', (d) => ({ MCP_TRACING: 'true', AWS_XRAY_DAEMON_ADDRESS: d.address }), false],
  [
    'in Lambda with POWERTOOLS_TRACE_ENABLED=false',
    (d) => ({ ...lambdaEnv(d), MCP_TRACING: 'true', POWERTOOLS_TRACE_ENABLED: 'false' }),
    false,
  ],
  // Not the Lambda runtime's context (no facade segment), with the X-Ray setting that turns a missing segment into an exception.
  [
    'with no segment and AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR',
    (d) => ({ ...lambdaEnv(d), LAMBDA_TASK_ROOT: '', MCP_TRACING: 'true', AWS_XRAY_CONTEXT_MISSING: 'RUNTIME_ERROR' }),
    true,
  ],
  // The control: everything Lambda gives a traced function, but the setting off.
  ['in Lambda with MCP_TRACING unset', (d) => lambdaEnv(d), false],
];

it.each(UNTRACED)(
  'works and sends nothing %s',
  async (_name, env, warnsOnce) => {
    const c = await serve(env(daemon));
    expect(await callTool(c, 'coder_get_authenticated_user')).toMatchObject({ isError: false });
    expect(
      (await callTool(c, 'coder_workspace_bash', { workspace: 'dev', command: 'echo untraced' })).json(),
    ).toMatchObject({ output: 'untraced', exit_code: 0 });
    // Datagrams on loopback arrive within moments; a generous wait so that "nothing" means nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(daemon.packets).toEqual([]);
    const warnings = server?.output().match(/no X-Ray segment/g) ?? [];
    expect(warnings).toHaveLength(warnsOnce ? 1 : 0);
  },
  30_000,
);
