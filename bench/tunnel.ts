/**
 * `npm run bench:tunnel`: warm sequential coder_workspace_bash calls through the Lambda handler,
 * pooled versus a fresh channel per call (what Coder did before its shared-tailnet fix), against the
 * simulator with a 20 ms one-way delay on every HTTP request and response and every WebSocket
 * message, and 100 ms more per WebSocket handshake. Prints p50/p95 per call, dials per 1000 calls,
 * and the floor: the round trips a warm call cannot avoid (one authcheck, one PTY) times 40 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { clearVerified } from '../lib/auth/verified';
import { parseConfig } from '../lib/config';
import { makeHandler, type Handler } from '../lib/handler';
import { clearResolutions } from '../lib/tools/agent-access';
import { resetSharedPool } from '../lib/tunnel/shared';
import type { SimReply, SimRequest } from './sim-process';

// Two JSON log lines per call would bury the table; warnings and errors still show.
process.env.LOG_LEVEL ??= 'warn';

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const WARMUP = 5;
const ONE_WAY_MS = 20;
const HANDSHAKE_MS = 100;
const FLOOR_ROUND_TRIPS = 2;

function event(token: string, id: number) {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'coder_workspace_bash', arguments: { workspace: 'dev', command: 'echo ok' } } });
  return {
    version: '2.0',
    rawPath: '/mcp',
    rawQueryString: '',
    headers: { host: 'bench.lambda-url.us-east-1.on.aws', 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
    requestContext: { http: { method: 'POST' }, stage: '$default', requestId: `bench-${id}` },
    body,
    isBase64Encoded: false,
  };
}

async function call(handler: Handler, token: string, id: number): Promise<number> {
  const started = performance.now();
  const res = await handler(event(token, id));
  const ms = performance.now() - started;
  const parsed = JSON.parse(res.body) as { result?: { isError?: boolean; content?: { text: string }[] } };
  if (res.statusCode !== 200 || parsed.result?.isError || !parsed.result?.content?.[0]?.text.includes('"ok"')) {
    throw new Error(`call ${id} failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
  return ms;
}

/** The simulator runs in its own process, as coderd and the agent run apart from the Lambda. */
interface SimHandle {
  url: string;
  token: string;
  dials(): Promise<number>;
  close(): void;
}

async function startSimProcess(): Promise<SimHandle> {
  const child: ChildProcess = fork(path.join(__dirname, 'sim-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SIM_LATENCY_MS: String(ONE_WAY_MS), SIM_HANDSHAKE_MS: String(HANDSHAKE_MS) },
  });
  // Replies come in request order: one waiter per request.
  const waiters: ((reply: SimReply) => void)[] = [];
  child.on('message', (reply: SimReply) => waiters.shift()?.(reply));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`))));
  const nextReply = () => Promise.race([new Promise<SimReply>((resolve) => waiters.push(resolve)), exited]);
  const ask = (request: SimRequest) => child.send(request);
  const ready = await nextReply();
  if (ready.kind !== 'ready') throw new Error('simulator process: expected its ready message');
  return {
    url: ready.url,
    token: ready.token,
    dials: async () => {
      const reply = nextReply();
      ask('dials');
      const answer = await reply;
      if (answer.kind !== 'dials') throw new Error('simulator process: expected a dial count');
      return answer.dials;
    },
    close: () => ask('close'),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function run(sim: SimHandle, handler: Handler, mode: 'pooled' | 'per-call') {
  resetSharedPool();
  const token = sim.token;
  for (let i = 0; i < WARMUP; i++) {
    if (mode === 'per-call') resetSharedPool();
    await call(handler, token, i);
  }
  const dialsBefore = await sim.dials();
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    if (mode === 'per-call') resetSharedPool();
    times.push(await call(handler, token, 1000 + i));
  }
  const dials = (await sim.dials()) - dialsBefore;
  resetSharedPool();
  return { mode, p50: percentile(times, 50), p95: percentile(times, 95), dialsPer1000: (dials * 1000) / CALLS };
}

async function main(): Promise<void> {
  const sim = await startSimProcess();
  const config = parseConfig({ CODER_URL: sim.url });
  const handler = makeHandler(() => config);
  clearVerified();
  clearResolutions();
  try {
    const pooled = await run(sim, handler, 'pooled');
    const perCall = await run(sim, handler, 'per-call');
    const floor = FLOOR_ROUND_TRIPS * 2 * ONE_WAY_MS;
    const rows = [pooled, perCall].map((r) => [r.mode, r.p50.toFixed(1), r.p95.toFixed(1), r.dialsPer1000.toFixed(0), (r.p50 / floor).toFixed(2)]);
    console.log(`coder_workspace_bash "echo ok", ${CALLS} warm sequential calls through the handler; ${ONE_WAY_MS} ms one-way delay, +${HANDSHAKE_MS} ms per WebSocket handshake`);
    console.log(`floor = ${FLOOR_ROUND_TRIPS} unavoidable round trips (authcheck + PTY) x ${2 * ONE_WAY_MS} ms = ${floor} ms\n`);
    console.log(['mode', 'p50 ms', 'p95 ms', 'dials/1000 calls', 'p50 / floor'].join(' | '));
    console.log('--- | --- | --- | --- | ---');
    for (const row of rows) console.log(row.join(' | '));
    console.log(`\nper-call p50 / pooled p50 = ${(perCall.p50 / pooled.p50).toFixed(2)}x (target >= 3x); pooled p50 / floor = ${(pooled.p50 / floor).toFixed(2)} (target <= 1.25); pooled dials per 1000 warm calls = ${pooled.dialsPer1000.toFixed(0)} (target <= 1)`);
  } finally {
    resetSharedPool();
    sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
