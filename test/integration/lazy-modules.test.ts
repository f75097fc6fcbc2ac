/**
 * Cold-start work the bundle defers: with the project's esbuild settings, loading the Lambda bundle
 * and answering a first request (a `tools/list` whose token check calls Coder) evaluates neither
 * `tar-stream` (template uploads) nor `diff` (edits) nor `ws` (the agent tunnel, build logs and the
 * chat watch), though all three are inside it, and does not load the
 * external `@aws-sdk/client-ssm` (service-token mode only). Powertools Tracer and the X-Ray SDK are not
 * even inside it: they have a bundle of their own, `tracer.js` beside the handler's, evaluated only with
 * MCP_TRACING=true. A build plugin puts a probe at the top of every file of those packages; a fresh Node
 * process records the probes and every module request while it requires the bundle and answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { z } from 'zod';
import { bundleLambda } from '../../scripts/bundle';
import { LAMBDA_BUNDLE_OPTIONS, TRACER_FILE } from '../../scripts/bundle-options';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const TRACING_PACKAGES = ['@aws-lambda-powertools/tracer', 'aws-xray-sdk-core'];
const BUNDLED_LAZY = ['tar-stream', 'diff', 'ws'];
const LAZY_PACKAGES = [...BUNDLED_LAZY, ...TRACING_PACKAGES];
const SEP = '[\\\\/]';
const PACKAGE_FILE = new RegExp(
  `${SEP}node_modules${SEP}(${LAZY_PACKAGES.map((p) => p.replace('/', SEP)).join('|')})${SEP}.*\\.[cm]?js$`,
);

/** Prepends `globalThis.__evaluated.push(<package>)` to each file of the lazy packages; counts the files it marked. */
function probePlugin(marked: Map<string, number>): Plugin {
  return {
    name: 'evaluation-probe',
    setup(b) {
      b.onLoad({ filter: PACKAGE_FILE }, (args) => {
        const pkg = (PACKAGE_FILE.exec(args.path)?.[1] ?? 'unknown').replace('\\', '/');
        marked.set(pkg, (marked.get(pkg) ?? 0) + 1);
        const probe = `(globalThis.__evaluated ??= []).push(${JSON.stringify(pkg)});\n`;
        return { contents: probe + readFileSync(args.path, 'utf8'), loader: 'js' };
      });
    },
  };
}

/**
 * Requires `bundle` in a fresh process and, unless told not to, has it answer a first `tools/list`; reports the
 * probes that ran and every module request. CODER_URL is a closed port: the token check's call to Coder still runs
 * (through the client and its tracing hook) and fails fast, which the handler tolerates.
 */
const CHILD = `
const Module = require('node:module');
const requests = [];
const load = Module._load;
Module._load = function (request, ...rest) { requests.push(request); return load.call(this, request, ...rest); };
process.env.CODER_URL = 'http://127.0.0.1:9';
process.env.LOG_LEVEL = 'SILENT';
const bundle = require(process.argv[1]);
const report = () => process.stdout.write(JSON.stringify({ evaluated: globalThis.__evaluated ?? [], requests }));
if (process.argv[2] === 'load-only') report();
else {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
  bundle.handler({ version: '2.0', rawPath: '/mcp', rawQueryString: '', body, isBase64Encoded: false,
    headers: { host: 'x.lambda-url.us-east-1.on.aws', 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer not-a-real-token' },
    requestContext: { http: { method: 'POST' }, stage: '$default', requestId: 'r' } }).then((r) => {
    if (r.statusCode !== 200 || !String(r.body).includes('"tools"')) throw new Error('tools/list failed: ' + r.statusCode);
    report();
  });
}`;

const childReport = z.object({ evaluated: z.array(z.string()), requests: z.array(z.string()) });

async function requireInFreshNode(
  bundle: string,
  env: Record<string, string> = {},
  mode: 'answer' | 'load-only' = 'answer',
) {
  // Without the test's own settings (MCP_TRACING, AWS_*) leaking into the child.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MCP_|AWS_|LAMBDA_|_X_AMZN|POWERTOOLS_)/.test(k)),
  );
  const { stdout } = await run(process.execPath, ['-e', CHILD, bundle, mode], {
    cwd: path.dirname(bundle),
    env: { ...base, ...env },
  });
  return childReport.parse(JSON.parse(stdout.slice(stdout.indexOf('{"evaluated"'))));
}

let out: string;
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'lazy-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

let bundle: string;
it('loads the Lambda bundle and answers without evaluating tar-stream, diff or ws, or loading the SSM client or the tracer', async () => {
  const marked = new Map<string, number>();
  bundle = path.join(out, 'handler.js');
  // As `npm run build` and the stack (with tracing on) build it, the tracer's own bundle beside the handler's; both probed.
  const { handlerInputs: inputs } = await bundleLambda({
    root: ROOT,
    outdir: out,
    tracer: true,
    inspect: [probePlugin(marked)],
  });
  // tar-stream, diff and ws are in the bundle (and probed): laziness, not absence. The tracer is not in it at all.
  for (const pkg of BUNDLED_LAZY) expect(marked.get(pkg) ?? 0).toBeGreaterThan(0);
  for (const pkg of BUNDLED_LAZY) expect(inputs.some((i) => i.includes(`node_modules/${pkg}/`))).toBe(true);
  expect(inputs.filter((i) => /powertools\/tracer|aws-xray-sdk/.test(i))).toEqual([]);
  for (const pkg of TRACING_PACKAGES) expect(marked.get(pkg) ?? 0).toBeGreaterThan(0);

  for (const mode of ['load-only', 'answer'] as const) {
    const report = await requireInFreshNode(bundle, {}, mode);
    expect(report.evaluated).toEqual([]);
    // The hook saw the bundle's own requests (Node built-ins), and none for the SDK or the tracer.
    expect(report.requests.some((r) => /^(node:)?https?$/.test(r))).toBe(true);
    expect(
      report.requests.filter((r) => r.startsWith('@aws-sdk/') || r.endsWith(TRACER_FILE) || /powertools|xray/.test(r)),
    ).toEqual([]);
  }
}, 60_000);

it("loads the tracer from its own bundle beside the handler's when MCP_TRACING=true, and only then", async () => {
  const report = await requireInFreshNode(bundle, { MCP_TRACING: 'true' });
  expect(new Set(report.evaluated)).toEqual(new Set(TRACING_PACKAGES));
  // From the file beside the handler's bundle: nothing of Powertools or X-Ray is required from node_modules.
  expect(report.requests).toContain(path.join(out, TRACER_FILE));
  expect(report.requests.filter((r) => /powertools|xray|cls-hooked/.test(r))).toEqual([]);
}, 60_000);

it('has probes that do report an evaluated package (control)', async () => {
  const marked = new Map<string, number>();
  const entry = path.join(out, 'eager.ts');
  const outfile = path.join(out, 'eager.js');
  await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    // The tracer bundled in too, for the control: every probed package is imported eagerly here.
    external: ['@aws-sdk/*'],
    // Used, not bare imports: diff declares itself free of side effects, so esbuild would drop `import 'diff'`.
    stdin: {
      contents:
        "import { pack } from 'tar-stream'; import { createTwoFilesPatch } from 'diff'; import WebSocket from 'ws'; import { Tracer } from '@aws-lambda-powertools/tracer';" +
        ' Object.assign(globalThis, { used: [pack, createTwoFilesPatch, WebSocket, Tracer] });',
      resolveDir: ROOT,
      sourcefile: entry,
      loader: 'ts',
    },
    outfile,
    plugins: [probePlugin(marked)],
  });
  const report = await requireInFreshNode(outfile, {}, 'load-only');
  expect(new Set(report.evaluated)).toEqual(new Set(LAZY_PACKAGES));
}, 60_000);
