/**
 * The built bundle (`npm run build`) under AWS's own runtime interface client (aws-lambda-ric, the
 * managed Node.js runtime's code) on Node 22, fed API Gateway REST (payload v1) events by a loopback
 * Runtime API that records what comes back: the prelude, the 8-byte delimiter, the body with the time
 * each piece arrived, and error trailers. Status, headers and cookies must reach the client whatever
 * the body: empty (preflight 204, notification 202), streamed (SSE progress), large, or failing.
 * The streaming entry (`streamHandler`) and the buffered one (`handler`) answer the same requests, in both
 * protocol eras (2025, and 2026-07-28 with its envelope and headers).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { startRic, type Ric } from '../helpers/lambda-ric';
import { delivered, functionError, startRuntimeApi, type Posted, type RuntimeApi } from '../helpers/runtime-api';
import { startSimulator, type Simulator } from '../sim';

const ROOT = path.join(__dirname, '..', '..');
const ORIGIN = 'https://app.example.com';
const MAX_BODY = 4096;

interface Fn {
  api: RuntimeApi;
  ric: Ric;
}

let out: string;
let sim: Simulator;
let streaming: Fn;
let buffered: Fn;
let probe: Fn;

async function startFn(handler: string): Promise<Fn> {
  const api = await startRuntimeApi();
  const ric = startRic({
    runtimeApi: api.address,
    taskRoot: out,
    handler,
    env: {
      NODE_OPTIONS: '--enable-source-maps',
      CODER_URL: sim.url,
      MCP_ALLOWED_ORIGINS: ORIGIN,
      MCP_MAX_BODY_BYTES: String(MAX_BODY),
      MCP_STREAM_RESPONSES: 'true',
      MCP_PROGRESS_INTERVAL_MS: '300',
      LOG_LEVEL: 'INFO',
    },
  });
  return { api, ric };
}

beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'lambda-ric-'));
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const [simulator] = await Promise.all([
    startSimulator(),
    promisify(execFile)(process.execPath, [tsx, path.join(ROOT, 'scripts', 'build.ts'), '--outdir', out], {
      cwd: ROOT,
    }),
  ]);
  sim = simulator;
  copyFileSync(path.join(ROOT, 'test', 'helpers', 'lambda-probe.cjs'), path.join(out, 'probe.js'));
  [streaming, buffered, probe] = await Promise.all([
    startFn('handler.streamHandler'),
    startFn('handler.handler'),
    startFn('probe.probe'),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    [streaming, buffered, probe].filter(Boolean).map(async (fn) => {
      await fn.ric.stop();
      await fn.api.close();
    }),
  );
  await sim?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** One invocation; a runtime that died instead of answering fails the test with its output. */
async function invoke(fn: Fn, event: unknown, timeoutMs?: number): Promise<Posted> {
  const died = fn.ric.exited.then((code) => {
    throw new Error(`the runtime exited (${String(code)}):\n${fn.ric.stderr()}\n${fn.ric.stdout()}`);
  });
  return Promise.race([fn.api.invoke(event, timeoutMs), died]);
}

type Json = Record<string, unknown>;

const fixtureSchema = z
  .object({ headers: z.record(z.string(), z.string()), requestContext: z.record(z.string(), z.unknown()) })
  .loose();
const FIXTURE = fixtureSchema.parse(
  JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'apigw-rest-v1.json'), 'utf8')),
);

/** A REST API (payload v1) event for `method path` under stage `prod`, as API Gateway sends it. */
function restEvent(opts: { method: string; path: string; headers?: Record<string, string>; body?: string }): Json {
  const headers = { ...FIXTURE.headers, ...opts.headers };
  return {
    ...FIXTURE,
    httpMethod: opts.method,
    path: opts.path,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: { ...FIXTURE.requestContext, path: `/prod${opts.path}`, httpMethod: opts.method },
    body: opts.body ?? null,
  };
}

const CASES = [
  'health',
  'preflight',
  'notification',
  'challenge',
  'toolError',
  'oversized',
  'modernCall',
  'modernMismatch',
] as const;
type Case = (typeof CASES)[number];

const bearer = () => ({ Authorization: `Bearer ${sim.demo.user.token}` });
const rpc = (body: Json) => JSON.stringify({ jsonrpc: '2.0', ...body });

/** What a 2026-07-28 request carries: the envelope in `_meta`, and headers that repeat the body. */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'ric-test', version: '1' },
};
const modernHeaders = (name: string) => ({
  'MCP-Protocol-Version': '2026-07-28',
  'Mcp-Method': 'tools/call',
  'Mcp-Name': name,
});

interface Expected {
  event: Json;
  status: number;
  /** Headers the client must get (asymmetric matchers allowed). */
  headers: Json;
}

/** A 2026-07-28 call of coder_get_authenticated_user, its Mcp-Name header set to `nameHeader`. */
function modernWhoAmI(id: number, nameHeader: string): Json {
  return restEvent({
    method: 'POST',
    path: '/mcp',
    headers: { ...bearer(), ...modernHeaders(nameHeader) },
    body: rpc({
      id,
      method: 'tools/call',
      params: { name: 'coder_get_authenticated_user', arguments: {}, _meta: ENVELOPE },
    }),
  });
}

/** The requests both entry points answer, with what a client must see. */
const cases = (): Record<Case, Expected> => ({
  health: {
    event: restEvent({ method: 'GET', path: '/healthz' }),
    status: 200,
    headers: { 'content-type': 'application/json' },
  },
  preflight: {
    event: restEvent({
      method: 'OPTIONS',
      path: '/mcp',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    }),
    status: 204,
    headers: { 'access-control-allow-origin': ORIGIN, 'access-control-allow-methods': 'POST, OPTIONS' },
  },
  notification: {
    event: restEvent({
      method: 'POST',
      path: '/mcp',
      headers: { ...bearer(), Origin: ORIGIN },
      body: rpc({ method: 'notifications/initialized' }),
    }),
    status: 202,
    headers: { 'access-control-allow-origin': ORIGIN },
  },
  challenge: {
    event: restEvent({ method: 'POST', path: '/mcp', body: rpc({ id: 1, method: 'tools/list' }) }),
    status: 401,
    headers: { 'www-authenticate': expect.stringMatching(/^Bearer /) },
  },
  toolError: {
    event: restEvent({
      method: 'POST',
      path: '/mcp',
      headers: bearer(),
      body: rpc({
        id: 2,
        method: 'tools/call',
        params: { name: 'coder_get_workspace', arguments: { workspace_id: 'no-such-workspace' } },
      }),
    }),
    status: 200,
    headers: { 'content-type': 'application/json' },
  },
  oversized: {
    event: restEvent({
      method: 'POST',
      path: '/mcp',
      headers: bearer(),
      body: rpc({ id: 3, method: 'tools/list', params: { pad: 'x'.repeat(MAX_BODY * 2) } }),
    }),
    status: 413,
    headers: {},
  },
  modernCall: {
    event: modernWhoAmI(5, 'coder_get_authenticated_user'),
    status: 200,
    headers: { 'content-type': 'application/json' },
  },
  // The Mcp-Name header names another tool than the body does.
  modernMismatch: {
    event: modernWhoAmI(6, 'coder_list_templates'),
    status: 400,
    headers: { 'content-type': 'application/json' },
  },
});

describe('streamHandler under the runtime interface client', () => {
  it.each(CASES)(
    '%s: the prelude carries status and headers, and the body follows the 8-byte delimiter',
    async (name) => {
      const c = cases()[name];
      const posted = await invoke(streaming, c.event);
      expect(posted.kind).toBe('response');
      expect(posted.headers['lambda-runtime-function-response-mode']).toBe('streaming');
      expect(functionError(posted)).toBeUndefined();
      const got = delivered(posted);
      expect({ status: got.status, headers: got.headers }).toEqual({
        status: c.status,
        headers: expect.objectContaining(c.headers),
      });
      // On the wire: the prelude as JSON, then exactly 8 NUL bytes, then the body.
      expect(got.prelude).toBe(true);
      expect(got.head.subarray(-8)).toEqual(Buffer.alloc(8));
      expect(JSON.parse(got.head.subarray(0, -8).toString('utf8'))).toMatchObject({ statusCode: c.status });
      checkBody(name, got.body.toString('utf8'));
    },
  );

  it.each(['2025', '2026-07-28'] as const)(
    '%s: sends a progress event as it happens, well before the result',
    async (era) => {
      const posted = await invoke(streaming, bashCall('sleep 2; echo done', { progressToken: 'p-1' }, era));
      const got = delivered(posted);
      expect(got.status).toBe(200);
      expect(got.headers['content-type']).toMatch(/^text\/event-stream/);
      const events = sseEvents(got.body);
      const progress = events.find((e) => e.message.method === 'notifications/progress');
      const result = events.find((e) => e.message.id === 4);
      expect(progress).toBeDefined();
      expect(result?.message).toMatchObject({
        result: { content: [{ type: 'text', text: expect.stringMatching(/^\{"output":"done","exit_code":0\}/) }] },
      });
      const progressAt = progress ? (got.arrivalOf(progress.offset) ?? Infinity) : Infinity;
      const resultAt = result ? (got.arrivalOf(result.offset) ?? 0) : 0;
      // The command sleeps 2 s and progress beats every 300 ms: the first beat left the function over a second before the result.
      expect(resultAt - progressAt).toBeGreaterThan(1000);
      // Status and headers went out at once, not with the first event.
      expect(progressAt - (got.firstAt ?? Infinity)).toBeGreaterThan(50);
    },
    30_000,
  );

  it('carries a large body intact behind its prelude', async () => {
    const size = 300_000;
    const posted = await invoke(streaming, bashCall(`head -c ${size} /dev/zero | tr '\\0' x`));
    const got = delivered(posted);
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/json');
    expect(posted.pieces.length).toBeGreaterThan(1);
    const output = toolOutput(got.body.toString('utf8'));
    expect(output).toHaveLength(size);
  }, 30_000);

  it.each([
    ['a warm-up ping', {}],
    ['a scheduled event', { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }],
    ['null', null],
  ])('answers %s with a 400 through the stream, logged as a warning', async (_what, event) => {
    const before = unsupportedLogged(streaming.ric).length;
    const got = delivered(await invoke(streaming, event));
    expect({ status: got.status, headers: got.headers }).toEqual({
      status: 400,
      headers: expect.objectContaining({ 'content-type': 'application/json' }),
    });
    expect(JSON.parse(got.body.toString('utf8'))).toMatchObject({
      message: expect.stringMatching(/^unsupported event/),
    });
    expect(await waitForLogged(streaming.ric, before + 1)).toEqual(Array(before + 1).fill('WARN'));
  });
});

describe('the streaming entry with answers the app cannot be made to give', () => {
  it('sends cookies and headers with an empty body', async () => {
    const got = delivered(await invoke(probe, { probe: 'cookies' }));
    expect(got).toMatchObject({
      prelude: true,
      status: 204,
      headers: { 'x-probe': 'cookies' },
      cookies: ['a=1; Path=/; HttpOnly', 'b=2; Path=/'],
    });
    expect(got.body).toHaveLength(0);
  });

  it("ends a body that fails halfway with the runtime's error trailers, after its prelude and first bytes", async () => {
    const posted = await invoke(probe, { probe: 'fails' });
    const got = delivered(posted);
    expect({ status: got.status, body: got.body.toString('utf8') }).toEqual({ status: 200, body: 'partial' });
    expect(posted.trailers['lambda-runtime-function-error-type']).toBe('Error');
    expect(functionError(posted)).toMatchObject({ errorType: 'Error', errorMessage: 'the body failed halfway' });
  });
});

const restResultSchema = z.object({
  statusCode: z.number().int(),
  headers: z.record(z.string(), z.string()),
  multiValueHeaders: z.record(z.string(), z.array(z.string())),
  body: z.string(),
  isBase64Encoded: z.boolean(),
});

describe('handler (buffered) under the runtime interface client', () => {
  it.each(CASES)('%s: the proxy result carries status, headers and body', async (name) => {
    const c = cases()[name];
    const posted = await invoke(buffered, c.event);
    expect(posted.kind).toBe('response');
    const result = restResultSchema.parse(JSON.parse(posted.body.toString('utf8')));
    expect({ status: result.statusCode, headers: result.headers }).toEqual({
      status: c.status,
      headers: expect.objectContaining(c.headers),
    });
    expect(result.isBase64Encoded).toBe(false);
    checkBody(name, result.body);
  });

  it('answers a warm-up ping with a 400, logged as a warning', async () => {
    const before = unsupportedLogged(buffered.ric).length;
    const posted = await invoke(buffered, {});
    const result = restResultSchema.omit({ multiValueHeaders: true }).parse(JSON.parse(posted.body.toString('utf8')));
    expect(result.statusCode).toBe(400);
    expect(await waitForLogged(buffered.ric, before + 1)).toEqual(Array(before + 1).fill('WARN'));
  });
});

/** What each case's body must be, whichever entry point answered. */
function checkBody(name: Case, body: string): void {
  if (name === 'preflight' || name === 'notification') {
    expect(body).toBe('');
    return;
  }
  const parsed = z.record(z.string(), z.unknown()).parse(JSON.parse(body));
  if (name === 'health') expect(parsed).toMatchObject({ status: 'ok' });
  if (name === 'toolError') expect(parsed).toMatchObject({ id: 2, result: { isError: true } });
  if (name === 'oversized' || name === 'challenge') expect(Object.keys(parsed).length).toBeGreaterThan(0);
  if (name === 'modernCall') {
    expect(parsed).toMatchObject({ id: 5, result: { resultType: 'complete' } });
    expect(toolOutputJson(body)).toMatchObject({ username: sim.demo.user.username });
  }
  if (name === 'modernMismatch') expect(parsed).toMatchObject({ id: 6, error: { code: -32020 } });
}

function bashCall(command: string, meta?: Json, era: '2025' | '2026-07-28' = '2025'): Json {
  const modern = era === '2026-07-28';
  const fullMeta = modern ? { ...ENVELOPE, ...meta } : meta;
  const params = {
    name: 'coder_workspace_bash',
    arguments: { workspace: sim.demo.workspaceName, command },
    ...(fullMeta ? { _meta: fullMeta } : {}),
  };
  return restEvent({
    method: 'POST',
    path: '/mcp',
    headers: { ...bearer(), ...(modern ? modernHeaders('coder_workspace_bash') : {}) },
    body: rpc({ id: 4, method: 'tools/call', params }),
  });
}

const rpcMessageSchema = z
  .object({ id: z.union([z.string(), z.number()]).optional(), method: z.string().optional() })
  .loose();

/** The SSE body's JSON-RPC messages, each with the byte offset where its event starts. */
function sseEvents(body: Buffer): { offset: number; message: z.infer<typeof rpcMessageSchema> }[] {
  const text = body.toString('utf8');
  const events: { offset: number; message: z.infer<typeof rpcMessageSchema> }[] = [];
  let at = 0;
  for (const block of text.split('\n\n')) {
    const data = block.split('\n').find((l) => l.startsWith('data: '));
    if (data)
      events.push({
        offset: Buffer.byteLength(text.slice(0, at)),
        message: rpcMessageSchema.parse(JSON.parse(data.slice('data: '.length))),
      });
    at += block.length + 2;
  }
  return events;
}

const toolResultSchema = z.object({
  result: z.object({ content: z.array(z.object({ type: z.literal('text'), text: z.string() })) }),
});

function toolOutputJson(body: string): unknown {
  return JSON.parse(toolResultSchema.parse(JSON.parse(body)).result.content[0]?.text ?? '');
}

function toolOutput(body: string): string {
  return z.object({ output: z.string() }).parse(toolOutputJson(body)).output;
}

const logLineSchema = z.object({ level: z.string(), message: z.string() }).loose();

/** Levels of the function's "unsupported event" log lines so far (Powertools writes one JSON object a line). */
function unsupportedLogged(ric: Ric): string[] {
  return `${ric.stdout()}\n${ric.stderr()}`.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return []; // not one of ours (the runtime client logs text)
    }
    const parsed = logLineSchema.safeParse(json);
    return parsed.success && parsed.data.message === 'unsupported event' ? [parsed.data.level] : [];
  });
}

/** The log line is written before the answer but reaches this process through a pipe: wait (briefly) for it. */
async function waitForLogged(ric: Ric, count: number): Promise<string[]> {
  for (let i = 0; i < 100 && unsupportedLogged(ric).length < count; i += 1) await new Promise((r) => setTimeout(r, 20));
  return unsupportedLogged(ric);
}
