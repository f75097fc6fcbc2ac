/**
 * `npm run bench:parse`: what zod's `jitless` setting (lib/zod-config.ts) costs a warm container, beside what
 * it saves a cold one. zod reads the setting as each schema is built, so every sample is a fresh process,
 * alternating between zod's default (a parser compiled per object schema on its first parse) and the
 * Lambda's setting. Each process parses, with the project's own schemas:
 * - a 100-workspace `GET /api/v2/workspaces` answer, the workspaces as the simulator renders coderd's;
 * - an API Gateway HTTP API event, which every request parses.
 * It prints, per setting, the median first parse (what a cold start pays) and the mean warm parse.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { startSimulator } from '../test/sim';

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WORKSPACES = 100;
const WARM_PARSES = 500;
const RESULT = 'bench-result ';

type Setting = 'compiled' | 'jitless';
const SETTINGS: readonly Setting[] = ['compiled', 'jitless'];

const figuresSchema = z.object({
  listFirstMs: z.number(),
  listWarmMs: z.number(),
  eventFirstUs: z.number(),
  eventWarmUs: z.number(),
});
type Figures = z.infer<typeof figuresSchema>;

/** An HTTP API (payload 2.0) event shaped as API Gateway sends a client's tool call. */
const EVENT = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/mcp',
  rawQueryString: '',
  headers: {
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: 'Bearer not-a-real-token',
    'mcp-protocol-version': '2025-11-25',
    'user-agent': 'bench',
    'x-forwarded-for': '203.0.113.9',
    'x-forwarded-proto': 'https',
  },
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
    http: { method: 'POST', path: '/mcp', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'bench' },
    requestId: 'bench',
    stage: '$default',
    time: '02/Dec/2026:12:00:00 +0000',
    timeEpoch: 1_796_212_800_000,
  },
  body: '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"coder_list_workspaces","arguments":{}}}',
  isBase64Encoded: false,
};

/** In a fresh process: zod's setting first, then the schemas, then the parses. */
async function child(setting: Setting, listFile: string): Promise<void> {
  if (setting === 'jitless') await import('../lib/zod-config.js');
  else z.config({ jitless: false });
  const { workspacesResponseSchema } = await import('../lib/coder/schemas.js');
  const { httpEventSchema } = await import('../lib/http/events.js');
  const list: unknown = JSON.parse(readFileSync(listFile, 'utf8'));

  let t = performance.now();
  workspacesResponseSchema.parse(list);
  const listFirstMs = performance.now() - t;
  for (let i = 0; i < WARM_PARSES; i++) workspacesResponseSchema.parse(list);
  t = performance.now();
  for (let i = 0; i < WARM_PARSES; i++) workspacesResponseSchema.parse(list);
  const listWarmMs = (performance.now() - t) / WARM_PARSES;

  t = performance.now();
  httpEventSchema.parse(EVENT);
  const eventFirstUs = (performance.now() - t) * 1000;
  for (let i = 0; i < WARM_PARSES * 10; i++) httpEventSchema.parse(EVENT);
  t = performance.now();
  for (let i = 0; i < WARM_PARSES * 10; i++) httpEventSchema.parse(EVENT);
  const eventWarmUs = ((performance.now() - t) * 1000) / (WARM_PARSES * 10);

  const figures: Figures = { listFirstMs, listWarmMs, eventFirstUs, eventWarmUs };
  process.stdout.write(`\n${RESULT}${JSON.stringify(figures)}\n`);
}

/** The simulator's workspaces (coderd's rendering, every field it sends), repeated to WORKSPACES entries. */
async function workspaceList(): Promise<unknown> {
  const sim = await startSimulator();
  try {
    const res = await fetch(`${sim.url}/api/v2/workspaces`, {
      headers: { 'coder-session-token': sim.demo.user.token },
    });
    if (!res.ok) throw new Error(`the simulator answered ${res.status} to GET /api/v2/workspaces`);
    const { workspaces } = z.object({ workspaces: z.array(z.looseObject({ id: z.string() })) }).parse(await res.json());
    if (workspaces.length === 0) throw new Error("the simulator's demo has no workspace");
    const many = Array.from({ length: WORKSPACES }, (_, i) => ({
      ...workspaces[i % workspaces.length],
      id: `ws-${i}`,
    }));
    return { workspaces: many, count: many.length };
  } finally {
    await sim.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-parse-'));
  const listFile = path.join(dir, 'workspaces.json');
  try {
    writeFileSync(listFile, JSON.stringify(await workspaceList()));
    const samples = new Map<Setting, Figures[]>(SETTINGS.map((s) => [s, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const setting of SETTINGS) {
        const { stdout } = await run(process.execPath, [...process.execArgv, __filename, 'child', setting, listFile]);
        const line = stdout.split('\n').find((l) => l.startsWith(RESULT));
        if (!line) throw new Error(`a ${setting} process printed no figures: ${stdout}`);
        samples.get(setting)?.push(figuresSchema.parse(JSON.parse(line.slice(RESULT.length))));
      }
    }
    console.log(`zod parses, ${RUNS} fresh processes per setting (Node ${process.version}):`);
    console.log('setting    100-workspace list: first / warm     HTTP API event: first / warm');
    const row = (s: Setting) => {
      const f = samples.get(s) ?? [];
      return {
        listFirst: median(f.map((x) => x.listFirstMs)),
        listWarm: mean(f.map((x) => x.listWarmMs)),
        eventFirst: median(f.map((x) => x.eventFirstUs)),
        eventWarm: mean(f.map((x) => x.eventWarmUs)),
      };
    };
    for (const s of SETTINGS) {
      const r = row(s);
      console.log(
        `${s.padEnd(10)} ${r.listFirst.toFixed(2).padStart(8)} ms / ${r.listWarm.toFixed(3)} ms` +
          `        ${r.eventFirst.toFixed(0).padStart(6)} µs / ${r.eventWarm.toFixed(2)} µs`,
      );
    }
    const [c, j] = [row('compiled'), row('jitless')];
    console.log(
      `jitless/compiled: list first ${(j.listFirst / c.listFirst).toFixed(2)}x, warm ${(j.listWarm / c.listWarm).toFixed(2)}x` +
        ` (${(j.listWarm - c.listWarm).toFixed(3)} ms a parse); event first ${(j.eventFirst / c.eventFirst).toFixed(2)}x, warm ${(j.eventWarm / c.eventWarm).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, setting, file] = process.argv.slice(2);
if (mode === 'child' && (setting === 'compiled' || setting === 'jitless') && file) void child(setting, file);
else void main();
