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

/** Runs in a fresh process: times require() and the first tools/list through the handler. */
const CHILD = `
const t0 = performance.now();
const { handler } = require(process.argv[1]);
const loaded = performance.now();
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
const event = { version: '2.0', rawPath: '/mcp', rawQueryString: '', body, isBase64Encoded: false,
  headers: { host: 'bench.lambda-url.us-east-1.on.aws', 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer ' + process.env.BENCH_TOKEN },
  requestContext: { http: { method: 'POST' }, stage: '$default', requestId: 'cold' } };
handler(event).then((r) => {
  const first = performance.now();
  if (r.statusCode !== 200 || !String(r.body).includes('"tools"')) { console.error(r.statusCode, r.body); process.exit(1); }
  process.stdout.write(JSON.stringify({ loadMs: loaded - t0, sinceStartLoadMs: loaded, firstMs: first }));
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
 * BENCH_BASELINE=<git revision>: the project's bundle at that revision joins the run as a fourth row,
 * built with today's settings from a temporary worktree, so "not slower than before" is a ratio measured
 * side by side rather than a comparison across runs. It is bundled as that revision deployed it: with the
 * shared esbuild settings, without the dependency replacements of scripts/bundle.ts (which it did not have).
 */
const BASELINE = process.env.BENCH_BASELINE;

async function baselineBundle(out: string): Promise<string | undefined> {
  if (!BASELINE) return undefined;
  const tree = path.join(out, 'baseline-tree');
  await run('git', ['-C', ROOT, 'worktree', 'add', '--detach', tree, BASELINE]);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
  const bundle = path.join(out, 'baseline.js');
  await build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: [path.join(tree, 'lib', 'stream.ts')], outfile: bundle });
  return bundle;
}

interface Sample {
  loadMs: number;
  firstMs: number;
}

async function sample(node: string, bundle: string, env: NodeJS.ProcessEnv): Promise<Sample> {
  const { stdout } = await run(node, ['-e', CHILD, bundle], { env });
  const parsed = JSON.parse(stdout) as { loadMs: number; firstMs: number };
  return { loadMs: parsed.loadMs, firstMs: parsed.firstMs };
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
      LOG_LEVEL: 'SILENT',
    };
    const baseline = await baselineBundle(out);
    const results: Record<Row, Sample[]> = { project: [], 'project, tracing on': [], reference: [], baseline: [] };
    for (let i = 0; i < RUNS; i++) {
      // Alternate so that machine noise falls on all alike.
      results.project.push(await sample(node, project, env));
      results['project, tracing on'].push(await sample(node, project, { ...env, ...TRACING_ON }));
      results.reference.push(await sample(node, reference, env));
      if (baseline) results.baseline.push(await sample(node, baseline, env));
    }
    const row = (name: Row, file: string) => {
      const r = results[name];
      return {
        name,
        bytes: statSync(file).size,
        loadP50: median(r.map((s) => s.loadMs)),
        loadP95: percentile(
          r.map((s) => s.loadMs),
          95,
        ),
        firstP50: median(r.map((s) => s.firstMs)),
        firstP95: percentile(
          r.map((s) => s.firstMs),
          95,
        ),
      };
    };
    const p = row('project', project);
    const traced = row('project, tracing on', project);
    const ref = row('reference', reference);
    const { stdout: version } = await run(node, ['--version']);
    console.log(
      `${RUNS} fresh Node ${version.trim()} processes each, alternating, NODE_OPTIONS=${LAMBDA_NODE_OPTIONS}; esbuild minified CJS bundles with source maps built in this run\n`,
    );
    console.log(
      'handler | bundle bytes | load p50 ms | load p95 ms | first tools/list p50 ms | first tools/list p95 ms',
    );
    console.log('--- | --- | --- | --- | --- | ---');
    const base = baseline ? row('baseline', baseline) : undefined;
    for (const r of base ? [p, traced, ref, { ...base, name: `baseline (${BASELINE})` }] : [p, traced, ref]) {
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
    console.log(
      `\nratios project/reference: bundle ${ratio(p.bytes, ref.bytes)} (target <= 0.8), ` +
        `load p50 ${ratio(p.loadP50, ref.loadP50)} p95 ${ratio(p.loadP95, ref.loadP95)} (target <= 0.95), ` +
        `first response p50 ${ratio(p.firstP50, ref.firstP50)} p95 ${ratio(p.firstP95, ref.firstP95)} (target <= 1.0)`,
    );
    if (base) {
      console.log(
        `ratios project/baseline: bundle ${ratio(p.bytes, base.bytes)}, load p50 ${ratio(p.loadP50, base.loadP50)} p95 ${ratio(p.loadP95, base.loadP95)}, ` +
          `first response p50 ${ratio(p.firstP50, base.firstP50)} p95 ${ratio(p.firstP95, base.firstP95)}`,
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
