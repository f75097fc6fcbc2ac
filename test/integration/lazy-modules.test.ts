/**
 * Cold-start work the bundle defers: with the project's esbuild settings, loading the Lambda bundle
 * evaluates neither `tar-stream` (template uploads) nor `diff` (edits), though both are inside it, and
 * does not load the external `@aws-sdk/client-ssm` (service-token mode only). A build plugin puts a
 * probe at the top of every file of those two packages; a fresh Node process records the probes and
 * every module request while it requires the bundle.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { z } from 'zod';
import { LAMBDA_BUNDLE_OPTIONS } from '../../scripts/bundle-options';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const LAZY_PACKAGES = ['tar-stream', 'diff'];
const PACKAGE_FILE = new RegExp(`[\\\\/]node_modules[\\\\/](${LAZY_PACKAGES.join('|')})[\\\\/].*\\.[cm]?js$`);

/** Prepends `globalThis.__evaluated.push(<package>)` to each file of the lazy packages; counts the files it marked. */
function probePlugin(marked: Map<string, number>): Plugin {
  return {
    name: 'evaluation-probe',
    setup(b) {
      b.onLoad({ filter: PACKAGE_FILE }, (args) => {
        const pkg = PACKAGE_FILE.exec(args.path)?.[1] ?? 'unknown';
        marked.set(pkg, (marked.get(pkg) ?? 0) + 1);
        const probe = `(globalThis.__evaluated ??= []).push(${JSON.stringify(pkg)});\n`;
        return { contents: probe + readFileSync(args.path, 'utf8'), loader: 'js' };
      });
    },
  };
}

/** Requires `bundle` in a fresh process; reports the probes that ran and every module request. */
const CHILD = `
const Module = require('node:module');
const requests = [];
const load = Module._load;
Module._load = function (request, ...rest) { requests.push(request); return load.call(this, request, ...rest); };
process.env.CODER_URL = 'https://coder.example.com';
require(process.argv[1]);
process.stdout.write(JSON.stringify({ evaluated: globalThis.__evaluated ?? [], requests }));`;

const childReport = z.object({ evaluated: z.array(z.string()), requests: z.array(z.string()) });

async function requireInFreshNode(bundle: string) {
  const { stdout } = await run(process.execPath, ['-e', CHILD, bundle], { cwd: path.dirname(bundle) });
  return childReport.parse(JSON.parse(stdout.slice(stdout.indexOf('{"evaluated"'))));
}

let out: string;
beforeAll(() => {
  out = mkdtempSync(path.join(tmpdir(), 'lazy-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('loads the Lambda bundle without evaluating tar-stream or diff, or loading the SSM client', async () => {
  const marked = new Map<string, number>();
  const outfile = path.join(out, 'handler.js');
  const result = await build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: [path.join(ROOT, 'lib', 'stream.ts')], outfile, metafile: true, plugins: [probePlugin(marked)] });
  // Both packages are in the bundle (and probed): laziness, not absence.
  for (const pkg of LAZY_PACKAGES) expect(marked.get(pkg) ?? 0).toBeGreaterThan(0);
  const inputs = Object.keys(result.metafile.inputs);
  for (const pkg of LAZY_PACKAGES) expect(inputs.some((i) => i.includes(`node_modules/${pkg}/`))).toBe(true);

  const report = await requireInFreshNode(outfile);
  expect(report.evaluated).toEqual([]);
  // The hook saw the bundle's own requests (Node built-ins), and none for the SDK.
  expect(report.requests.some((r) => /^(node:)?https?$/.test(r))).toBe(true);
  expect(report.requests.filter((r) => r.startsWith('@aws-sdk/'))).toEqual([]);
}, 60_000);

it('has probes that do report an evaluated package (control)', async () => {
  const marked = new Map<string, number>();
  const entry = path.join(out, 'eager.ts');
  const outfile = path.join(out, 'eager.js');
  await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    // Used, not bare imports: diff declares itself free of side effects, so esbuild would drop `import 'diff'`.
    stdin: {
      contents: "import { pack } from 'tar-stream'; import { createTwoFilesPatch } from 'diff'; Object.assign(globalThis, { used: [pack, createTwoFilesPatch] });",
      resolveDir: ROOT,
      sourcefile: entry,
      loader: 'ts',
    },
    outfile,
    plugins: [probePlugin(marked)],
  });
  const report = await requireInFreshNode(outfile);
  expect(new Set(report.evaluated)).toEqual(new Set(LAZY_PACKAGES));
}, 60_000);
