/**
 * `npm run bench:coldstart`: bundle size, module load time and time to the first `tools/list` answer
 * for the project's Lambda bundle and for a reference MCP Lambda (bench/reference/handler.ts) built in
 * the same run with the same esbuild settings, over fresh Node processes alternating between the two.
 * The project's first answer includes its real first-request work: verifying the caller's token with
 * Coder (here the simulator on loopback). Both run with the NODE_OPTIONS the deployed function has
 * (source maps enabled, which makes Node read each bundle's map at load), so the comparison is fair.
 * A third row runs the project's bundle with tracing on (MCP_TRACING=true and the environment Lambda
 * gives a function with active tracing, the daemon address a loopback port nobody reads): what loading
 * Powertools Tracer and the X-Ray SDK (from their own bundle beside the handler's) on the first Coder
 * call adds. The first row has tracing off; its bundle holds none of the tracer's bytes.
 *
 * A second table gives, for the project's rows, the time from process start to the answer of a client's
 * first tool call (`coder_get_authenticated_user`, which asks Coder for the caller), each way in fresh
 * processes of its own: a 2026-07-28 client sends that one request, with the `_meta` envelope and its
 * headers; a 2025 client first sends `initialize` and `notifications/initialized`, three requests before its
 * first result. That is what a cold container costs a client's first call, one way and the other, and the
 * modern/2025 ratio beside it; also counted from the end of require(), which leaves out the load (the same
 * bundle either way) and its noise. Requests go straight to the handler: the round trips a client makes to
 * reach the function (two more the 2025 way) are not in these figures. The reference has no such tool, so
 * it has no row there. A baseline (BENCH_BASELINE, below) speaks the 2025 revisions only: it is measured the
 * 2025 way, against the project's 2025 way. Every answer is checked (its status, and the demo user's name
 * in the tool's result): a process that gets anything else exits 1 with the body, so no error is ever timed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleLambda, HANDLER_FILE } from '../scripts/bundle';
import { LAMBDA_BUNDLE_OPTIONS, LAMBDA_NODE_OPTIONS } from '../scripts/bundle-options';
import { startSimulator } from '../test/sim';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
/** The Node 22 that test/conformance installs is closer to Lambda's runtime than the machine's Node 20. */
const NODE22 = path.join(ROOT, 'test', 'conformance', 'node_modules', '.bin', 'node');

/**
 * BENCH_NODE: a path to a node binary, or a major version (`24`, the deployed runtime's) fetched once from
 * the npm registry (the official binaries, as the `node` package fetches them) into the temporary directory.
 */
async function benchNode(): Promise<string> {
  const wanted = process.env.BENCH_NODE;
  if (!wanted) return existsSync(NODE22) ? NODE22 : process.execPath;
  if (!/^\d+$/.test(wanted)) return wanted;
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = path.join(tmpdir(), `coder-mcp-bench-${pkg}-${wanted}`);
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const { stdout } = await run('npm', ['pack', `${pkg}@${wanted}`, '--silent'], { cwd: dir });
  await run('tar', ['xzf', stdout.trim().split('\n').pop() ?? '', '-C', dir], { cwd: dir });
  return binary;
}

/**
 * How a fresh process's first exchange with the handler goes: a raw `tools/list` (no initialize, which the
 * stateless 2025 path accepts: the first table's column), or a client's first tool call, the 2026-07-28 way
 * (one request) or the 2025 way (three).
 */
type Way = 'tools/list' | 'modern' | '2025';

/** The first tool call's tool: no arguments, asks Coder for the caller, and its answer names the demo user. */
const TOOL = 'coder_get_authenticated_user';

/** Marks the child's line of figures on its stdout. */
const RESULT = 'bench-result ';

/**
 * Runs in a fresh process (argv: the bundle, the way): times require() and the exchange through the
 * handler, up to its last answer. Each answer is checked; anything else exits 1 with the body.
 */
const CHILD = `
const t0 = performance.now();
const { handler } = require(process.argv[1]);
const loaded = performance.now();
const way = process.argv[2];
const fail = (r) => { console.error(way, r.statusCode, r.body); process.exit(1); };
let requests = 0;
async function post(message, extraHeaders, status) {
  const event = { version: '2.0', rawPath: '/mcp', rawQueryString: '', body: JSON.stringify(message), isBase64Encoded: false,
    headers: { host: 'bench.lambda-url.us-east-1.on.aws', 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer ' + process.env.BENCH_TOKEN, ...extraHeaders },
    requestContext: { http: { method: 'POST' }, stage: '$default', requestId: 'cold-' + ++requests } };
  const r = await handler(event);
  if (r.statusCode !== status) fail(r);
  return r;
}
const TOOL = '${TOOL}';
const toolCall = (id, meta) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: TOOL, arguments: {}, ...(meta && { _meta: meta }) } });
/**
 * A successful result whose text names the demo user (the tool answers with the Coder user as JSON). A
 * 2026-07-28 result carries resultType, a 2025 one none: the modern request must not have been served as a
 * 2025 one (the stateless 2025 path answers a tools/call without initialize too).
 */
function checkUser(r, modern) {
  let text = '';
  try {
    const { result } = JSON.parse(r.body);
    if (result && !result.isError && (result.resultType === 'complete') === modern) text = result.content.map((c) => c.text).join('');
  } catch {}
  if (!text.includes('"username"') || !text.includes(process.env.BENCH_USERNAME)) fail(r);
}
const ways = {
  'tools/list': async () => {
    const r = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, {}, 200);
    const answered = performance.now();
    if (!String(r.body).includes('"tools"')) fail(r);
    return answered;
  },
  modern: async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' } };
    const r = await post(toolCall(1, meta), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': TOOL }, 200);
    const answered = performance.now();
    checkUser(r, true);
    return answered;
  },
  '2025': async () => {
    const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }, {}, 200);
    if (!String(init.body).includes('"protocolVersion"')) fail(init);
    // The stateless transport gives no session; were there one, a client would send it back.
    const session = Object.entries(init.headers ?? {}).find(([name]) => name.toLowerCase() === 'mcp-session-id');
    const headers = { 'mcp-protocol-version': '2025-11-25', ...(session && { 'mcp-session-id': session[1] }) };
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers, 202);
    const r = await post(toolCall(2), headers, 200);
    const answered = performance.now();
    checkUser(r, false);
    return answered;
  },
};
ways[way]().then((answered) => {
  process.stdout.write('\\n${RESULT}' + JSON.stringify({ loadMs: loaded - t0, firstMs: answered, afterLoadMs: answered - loaded }) + '\\n');
});`;

/** What Lambda sets for a function with active tracing, plus the setting the stack adds (see lib/tracing.ts). */
const TRACING_ON = {
  MCP_TRACING: 'true',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  LAMBDA_TASK_ROOT: ROOT,
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
};

type Row = 'project' | 'project, tracing on' | 'reference' | 'baseline';

/**
 * The ways each row is measured. The reference (the bare v1 SDK) has none of the project's tools; the
 * baseline (BENCH_BASELINE) is a revision that speaks the 2025 revisions only, so the 2025 way is the one
 * its clients take, and the one to compare the project's with.
 */
const WAYS: Record<Row, readonly Way[]> = {
  project: ['tools/list', 'modern', '2025'],
  'project, tracing on': ['tools/list', 'modern', '2025'],
  reference: ['tools/list'],
  baseline: ['tools/list', '2025'],
};

/**
 * BENCH_BASELINE=<git revision>: the project's bundle at that revision joins the run as a fourth row,
 * built from a temporary worktree, so "not slower than before" is a ratio measured side by side rather than
 * a comparison across runs. It is bundled as that revision deployed it: through its own scripts/bundle.ts
 * (with its dependency replacements) where it has one, else with today's shared esbuild settings.
 */
const BASELINE = process.env.BENCH_BASELINE;

type BundleFn = (opts: { root: string; outdir: string; tracer: boolean; handlerFile?: string }) => Promise<unknown>;

function hasBundleLambda(mod: unknown): mod is { bundleLambda: BundleFn } {
  return typeof mod === 'object' && mod !== null && 'bundleLambda' in mod && typeof mod.bundleLambda === 'function';
}

async function baselineBundle(out: string): Promise<string | undefined> {
  if (!BASELINE) return undefined;
  const tree = path.join(out, 'baseline-tree');
  await run('git', ['-C', ROOT, 'worktree', 'add', '--detach', tree, BASELINE]);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
  const own = path.join(tree, 'scripts', 'bundle.ts');
  const mod: unknown = existsSync(own) ? await import(own) : undefined;
  if (hasBundleLambda(mod)) {
    const outdir = path.join(out, 'baseline');
    await mod.bundleLambda({ root: tree, outdir, tracer: false, handlerFile: 'baseline.js' });
    return path.join(outdir, 'baseline.js');
  }
  const bundle = path.join(out, 'baseline.js');
  await build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: [path.join(tree, 'lib', 'stream.ts')], outfile: bundle });
  return bundle;
}

interface Sample {
  loadMs: number;
  /** The exchange's last answer, in ms from process start. */
  firstMs: number;
  /** The same, in ms from the end of require(): the handler's part alone, without the process's load and its noise. */
  afterLoadMs: number;
}

async function sample(node: string, bundle: string, way: Way, env: NodeJS.ProcessEnv): Promise<Sample> {
  const { stdout } = await run(node, ['-e', CHILD, bundle, way], { env });
  // A tool call's metrics (CloudWatch EMF, as in Lambda) share stdout: the figures are on a line of their own.
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT));
  if (!line) throw new Error(`${way} in ${bundle}: no figures in ${JSON.stringify(stdout)}`);
  const parsed = JSON.parse(line.slice(RESULT.length)) as Sample;
  return { loadMs: parsed.loadMs, firstMs: parsed.firstMs, afterLoadMs: parsed.afterLoadMs };
}

const median = (xs: number[]) => percentile(xs, 50);
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'coldstart-'));
  const node = await benchNode();
  const sim = await startSimulator();
  try {
    // As deployed (scripts/bundle.ts), with the tracer's own bundle beside it; the handler reads that only with tracing on.
    await bundleLambda({ root: ROOT, outdir: path.join(out, 'project'), tracer: true });
    const project = path.join(out, 'project', HANDLER_FILE);
    const reference = path.join(out, 'reference.js');
    await build({
      ...LAMBDA_BUNDLE_OPTIONS,
      entryPoints: [path.join(ROOT, 'bench', 'reference', 'handler.ts')],
      outfile: reference,
    });
    // As infra/lib/stack.ts starts the function: the same NODE_OPTIONS for the project and the reference.
    const env = {
      ...process.env,
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
      CODER_URL: sim.url,
      BENCH_TOKEN: sim.demo.user.token,
      BENCH_USERNAME: sim.demo.user.username,
      LOG_LEVEL: 'SILENT',
    };
    const baseline = await baselineBundle(out);
    const runs: { name: Row; file: string; env: NodeJS.ProcessEnv }[] = [
      { name: 'project', file: project, env },
      { name: 'project, tracing on', file: project, env: { ...env, ...TRACING_ON } },
      { name: 'reference', file: reference, env },
      ...(baseline ? [{ name: 'baseline' as const, file: baseline, env }] : []),
    ];
    const noSamples = (): Record<Way, Sample[]> => ({ 'tools/list': [], modern: [], '2025': [] });
    const results: Record<Row, Record<Way, Sample[]>> = {
      project: noSamples(),
      'project, tracing on': noSamples(),
      reference: noSamples(),
      baseline: noSamples(),
    };
    // One process of each row and way per round, so that machine noise falls on all alike; each round starts one
    // place further along, so that none always runs in the same place (right after the same other).
    const round = (['tools/list', 'modern', '2025'] as const).flatMap((way) =>
      runs.filter((r) => WAYS[r.name].includes(way)).map((r) => ({ ...r, way })),
    );
    for (let i = 0; i < RUNS; i++) {
      for (let j = 0; j < round.length; j++) {
        const r = round[(i + j) % round.length];
        if (r) results[r.name][r.way].push(await sample(node, r.file, r.way, r.env));
      }
    }
    const spread = (xs: number[]) => ({ p50: median(xs), p95: percentile(xs, 95) });
    const row = (name: Row, file: string) => {
      const r = results[name];
      const load = spread(r['tools/list'].map((s) => s.loadMs));
      const first = spread(r['tools/list'].map((s) => s.firstMs));
      return {
        name,
        bytes: statSync(file).size,
        loadP50: load.p50,
        loadP95: load.p95,
        firstP50: first.p50,
        firstP95: first.p95,
        /** First tool call answered, from process start, one way and the other (NaN where the row has no such way). */
        modernCall: spread(r.modern.map((s) => s.firstMs)),
        legacyCall: spread(r['2025'].map((s) => s.firstMs)),
        /** The same from the end of require(). */
        modernHandler: spread(r.modern.map((s) => s.afterLoadMs)),
        legacyHandler: spread(r['2025'].map((s) => s.afterLoadMs)),
      };
    };
    const p = row('project', project);
    const traced = row('project, tracing on', project);
    const ref = row('reference', reference);
    const { stdout: version } = await run(node, ['--version']);
    console.log(
      `${RUNS} fresh Node ${version.trim()} processes per row and way, alternating, NODE_OPTIONS=${LAMBDA_NODE_OPTIONS}; esbuild minified CJS bundles with source maps built in this run\n`,
    );
    console.log(
      'handler | bundle bytes | load p50 ms | load p95 ms | first tools/list p50 ms | first tools/list p95 ms',
    );
    console.log('--- | --- | --- | --- | --- | ---');
    const base = baseline ? { ...row('baseline', baseline), name: `baseline (${BASELINE})` } : undefined;
    const rows = base ? [p, traced, ref, base] : [p, traced, ref];
    for (const r of rows) {
      console.log(
        [
          r.name,
          r.bytes,
          r.loadP50.toFixed(1),
          r.loadP95.toFixed(1),
          r.firstP50.toFixed(1),
          r.firstP95.toFixed(1),
        ].join(' | '),
      );
    }
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(`\nfirst tool call: ${TOOL} answered, in ms from process start as in the first table`);
    console.log(
      'handler | way | requests | first tool call p50 ms | first tool call p95 ms | after require p50 ms | ' +
        'modern/2025 p50 | modern/2025 p95 | modern/2025 after require p50',
    );
    console.log('--- | --- | --- | --- | --- | --- | --- | --- | ---');
    for (const r of base ? [p, traced, base] : [p, traced]) {
      const { modernCall: m, legacyCall: l, modernHandler: mh, legacyHandler: lh } = r;
      if (!Number.isNaN(m.p50)) {
        const ratios = [ratio(m.p50, l.p50), ratio(m.p95, l.p95), ratio(mh.p50, lh.p50)];
        console.log(
          [r.name, 'modern (2026-07-28)', 1, m.p50.toFixed(1), m.p95.toFixed(1), mh.p50.toFixed(1), ...ratios].join(
            ' | ',
          ),
        );
      }
      console.log(
        [r.name, '2025 (2025-11-25)', 3, l.p50.toFixed(1), l.p95.toFixed(1), lh.p50.toFixed(1), '', '', ''].join(' | '),
      );
    }
    console.log(
      `\nratios project/reference: bundle ${ratio(p.bytes, ref.bytes)} (target <= 0.8), ` +
        `load p50 ${ratio(p.loadP50, ref.loadP50)} p95 ${ratio(p.loadP95, ref.loadP95)} (target <= 0.95), ` +
        `first tools/list p50 ${ratio(p.firstP50, ref.firstP50)} p95 ${ratio(p.firstP95, ref.firstP95)} (target <= 1.0)`,
    );
    if (base) {
      console.log(
        `ratios project/baseline: bundle ${ratio(p.bytes, base.bytes)}, load p50 ${ratio(p.loadP50, base.loadP50)} p95 ${ratio(p.loadP95, base.loadP95)}, ` +
          `first tools/list p50 ${ratio(p.firstP50, base.firstP50)} p95 ${ratio(p.firstP95, base.firstP95)}, ` +
          `first tool call the 2025 way p50 ${ratio(p.legacyCall.p50, base.legacyCall.p50)} p95 ${ratio(p.legacyCall.p95, base.legacyCall.p95)} ` +
          `after require p50 ${ratio(p.legacyHandler.p50, base.legacyHandler.p50)}`,
      );
    }
  } finally {
    await sim.close();
    if (BASELINE)
      await run('git', ['-C', ROOT, 'worktree', 'remove', '--force', path.join(out, 'baseline-tree')]).catch(
        () => undefined,
      );
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
