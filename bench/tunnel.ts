/**
 * `npm run bench:tunnel`: warm sequential coder_workspace_bash calls through the Lambda handler
 * against the simulator with a 20 ms one-way delay on every HTTP request and response and every
 * WebSocket message, and 100 ms more per WebSocket handshake. Three ways of reaching the agent:
 *
 * - pooled: this project (a warm channel from the pool, the workspace lookup kept for 30 s);
 * - fresh channel: the same handler with the pool emptied before every call, lookups still kept,
 *   which isolates what the pool alone buys;
 * - Coder's per-call path: what coderd's MCP server did for every call before it shared one tunnel
 *   (coder #24460): look the workspace up, check the agent, check SSH permission, dial a new tunnel.
 *
 * - first dial to a workspace: a fresh channel with the loop's kept copy deleted before every call, so
 *   the dial stub asks for the loop and receives it through the terminal (one round trip more).
 *
 * Prints p50/p95 per call, dials per 1000 calls, coderd requests per call and each mode's floor (its
 * unavoidable round trips x 40 ms, plus the handshake where it dials). A last pair of runs answers
 * exec with a ping, taking the agent's work out, to show how close to its floor a mode can get. Last,
 * the bytes of the dial's HTTP request line, which proxies in front of coderd limit (nginx: 8 KB).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { clearVerified } from '../lib/auth/verified';
import { parseConfig } from '../lib/config';
import { makeHandler, type Handler } from '../lib/handler';
import { clearResolutions } from '../lib/tools/agent-access';
import { AgentChannel, dialUrl, requestLineBytes } from '../lib/tunnel/channel';
import { newNonce } from '../lib/tunnel/protocol';
import { resetSharedPool } from '../lib/tunnel/shared';
import type { SimReply, SimRequest } from './sim-process';

// Two JSON log lines per call would bury the table; warnings and errors still show.
process.env.LOG_LEVEL ??= 'WARN';

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const WARMUP = 5;
const ONE_WAY_MS = 20;
const ROUND_TRIP_MS = 2 * ONE_WAY_MS;
const HANDSHAKE_MS = 100;

interface Mode {
  name: string;
  /** Empty the pool before each call: every call dials and starts a PTY session. */
  freshChannel: boolean;
  /** Forget workspace lookups before each call: every call resolves the workspace and checks the agent. */
  freshLookup: boolean;
  /** Delete the loop kept on the workspace before each call: every dial sends the loop through the terminal. */
  freshLoop?: boolean;
  /** Round trips the mode cannot avoid, and whether it pays a handshake and the loop's ready line. */
  floorMs: number;
}

const DIAL_MS = HANDSHAKE_MS + ROUND_TRIP_MS + ONE_WAY_MS; // upgrade request and answer, +100 ms, then the ready line
const POOLED: Mode = { name: 'pooled', freshChannel: false, freshLookup: false, floorMs: 2 * ROUND_TRIP_MS }; // authcheck + PTY
const FRESH_CHANNEL: Mode = {
  name: 'fresh channel',
  freshChannel: true,
  freshLookup: false,
  floorMs: 2 * ROUND_TRIP_MS + DIAL_MS,
};
const FIRST_DIAL: Mode = {
  name: 'first dial to a workspace',
  freshChannel: true,
  freshLookup: false,
  freshLoop: true,
  floorMs: 3 * ROUND_TRIP_MS + DIAL_MS,
}; // + the load request and the loop
const CODER_PER_CALL: Mode = {
  name: "Coder's per-call path",
  freshChannel: true,
  freshLookup: true,
  floorMs: 4 * ROUND_TRIP_MS + DIAL_MS,
}; // + workspace and agent GETs

function event(token: string, id: number) {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'coder_workspace_bash', arguments: { workspace: 'dev', command: 'echo ok' } },
  });
  return {
    version: '2.0',
    rawPath: '/mcp',
    rawQueryString: '',
    headers: {
      host: 'bench.lambda-url.us-east-1.on.aws',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
    },
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
  /** The workspace's home, where the agent keeps the loop (same machine, so the benchmark can delete it). */
  home: string;
  agentId: string;
  counts(): Promise<{ dials: number; requests: number }>;
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
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`))),
  );
  const nextReply = () => Promise.race([new Promise<SimReply>((resolve) => waiters.push(resolve)), exited]);
  const ask = (request: SimRequest) => child.send(request);
  const ready = await nextReply();
  if (ready.kind !== 'ready') throw new Error('simulator process: expected its ready message');
  return {
    url: ready.url,
    token: ready.token,
    home: ready.home,
    agentId: ready.agentId,
    counts: async () => {
      const reply = nextReply();
      ask('counts');
      const answer = await reply;
      if (answer.kind !== 'counts') throw new Error('simulator process: expected counts');
      return { dials: answer.dials, requests: answer.requests };
    },
    close: () => ask('close'),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface Result {
  mode: Mode;
  p50: number;
  p95: number;
  dialsPer1000: number;
  requestsPerCall: number;
}

async function run(sim: SimHandle, handler: Handler, mode: Mode, calls: number): Promise<Result> {
  const beforeCall = () => {
    if (mode.freshChannel) resetSharedPool();
    if (mode.freshLookup) clearResolutions();
    if (mode.freshLoop) rmSync(`${sim.home}/.cache/coder-mcp`, { recursive: true, force: true });
  };
  resetSharedPool();
  for (let i = 0; i < WARMUP; i++) {
    beforeCall();
    await call(handler, sim.token, i);
  }
  const before = await sim.counts();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    beforeCall();
    times.push(await call(handler, sim.token, 1000 + i));
  }
  const after = await sim.counts();
  resetSharedPool();
  return {
    mode,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    dialsPer1000: ((after.dials - before.dials) * 1000) / calls,
    // The two `counts` questions go over IPC, not HTTP: every request counted here came from a call.
    requestsPerCall: (after.requests - before.requests) / calls,
  };
}

/** Answers exec with a ping: the same round trip through the simulator, with no work for the agent's shell. */
function withoutAgentWork<T>(fn: () => Promise<T>): Promise<T> {
  const original = AgentChannel.prototype.call;
  AgentChannel.prototype.call = async function (this: AgentChannel, op, fields, signal, payload) {
    if (op !== 'exec') return original.call(this, op, fields, signal, payload);
    const pong = await original.call(this, 'ping', [], signal);
    return { ...pong, fields: ['0', '0', Buffer.from('ok\n').toString('base64')] };
  };
  return fn().finally(() => {
    AgentChannel.prototype.call = original;
  });
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function main(): Promise<void> {
  const sim = await startSimProcess();
  const config = parseConfig({ CODER_URL: sim.url });
  const handler = makeHandler(() => config);
  clearVerified();
  clearResolutions();
  try {
    const results: Result[] = [];
    for (const mode of [POOLED, FRESH_CHANNEL, CODER_PER_CALL]) results.push(await run(sim, handler, mode, CALLS));
    const [pooled, fresh, coder] = results as [Result, Result, Result];
    const first = await run(sim, handler, FIRST_DIAL, Math.min(CALLS, 50));
    results.push(first);
    const [bareFresh, barePooled] = await withoutAgentWork(async () => [
      await run(sim, handler, FRESH_CHANNEL, CALLS),
      await run(sim, handler, POOLED, CALLS),
    ]);

    console.log(
      `coder_workspace_bash "echo ok", ${CALLS} warm sequential calls through the handler; ${ONE_WAY_MS} ms one-way delay, +${HANDSHAKE_MS} ms per WebSocket handshake`,
    );
    console.log(
      `floor = the mode's unavoidable round trips x ${ROUND_TRIP_MS} ms, plus ${HANDSHAKE_MS} ms and the ready line (${ONE_WAY_MS} ms) where it dials\n`,
    );
    console.log(
      ['mode', 'p50 ms', 'p95 ms', 'dials/1000 calls', 'coderd requests/call', 'floor ms', 'p50 / floor'].join(' | '),
    );
    console.log(Array(7).fill('---').join(' | '));
    for (const r of results) {
      console.log(
        [
          r.mode.name,
          r.p50.toFixed(1),
          r.p95.toFixed(1),
          r.dialsPer1000.toFixed(0),
          r.requestsPerCall.toFixed(1),
          r.mode.floorMs,
          (r.p50 / r.mode.floorMs).toFixed(2),
        ].join(' | '),
      );
    }
    console.log(`\nCoder's per-call path p50 / pooled p50 = ${ratio(coder.p50, pooled.p50)} (target >= 3x)`);
    console.log(
      `pooled p50 / floor = ${(pooled.p50 / POOLED.floorMs).toFixed(2)} (target <= 1.25); pooled dials per 1000 warm calls = ${pooled.dialsPer1000.toFixed(0)} (target <= 1)`,
    );
    console.log(
      `fresh channel p50 / pooled p50 = ${ratio(fresh.p50, pooled.p50)}: the pool alone (floors ${FRESH_CHANNEL.floorMs} / ${POOLED.floorMs} ms = ${ratio(FRESH_CHANNEL.floorMs, POOLED.floorMs)})`,
    );
    console.log(
      `with the agent's work taken out (exec answered by a ping): pooled p50 ${barePooled.p50.toFixed(1)} ms, fresh channel p50 ${bareFresh.p50.toFixed(1)} ms, ` +
        `${ratio(bareFresh.p50, barePooled.p50)}: the most the pool alone can show here`,
    );
    console.log(
      `first dial to a workspace p50 - fresh channel p50 = ${(first.p50 - fresh.p50).toFixed(1)} ms: sending the loop once (one round trip, ${ROUND_TRIP_MS} ms, and its bytes)`,
    );
    const line = (coderUrl: string) =>
      requestLineBytes(dialUrl({ coderUrl, token: '', agentId: sim.agentId }, randomUUID(), newNonce()));
    console.log(
      `dial request line: ${line(sim.url)} bytes here, ${line('https://coder.example.com')} bytes for https://coder.example.com (nginx refuses more than 8190, its default)`,
    );
  } finally {
    resetSharedPool();
    sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
