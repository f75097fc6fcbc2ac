/**
 * The function's code: the very bundle `npm run build` makes (scripts/bundle.ts), built at synth time
 * into the cloud assembly's directory and deployed from there. Not NodejsFunction's bundling, because
 * that drives esbuild's command line, which takes no plugins, and the bundle replaces two dependency
 * modules it never runs (scripts/bundle.ts says which and why). It is built once per assembly and
 * variant: an app with several stacks (stages, or the tests) would otherwise bundle once per stack.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

const ROOT = path.join(__dirname, '..', '..');
/** The asset's entry file: the function's handler is `index.streamHandler`. */
export const ASSET_HANDLER_FILE = 'index.js';

const built = new Set<string>();

/**
 * Bundles (with the tracer's bundle beside the handler's when `tracing`) into `<assembly>/bundle-<variant>`
 * and returns that directory. The asset is staged from it by content hash, so a rebuild of the same
 * sources deploys nothing new (the source map's paths are relative to this directory, which is fixed).
 */
export function bundleDirectory(scope: Construct, tracing: boolean): string {
  const assembly = Stage.of(scope)?.outdir;
  if (!assembly) throw new Error('the function must be in a CDK app (its code is bundled into the cloud assembly)');
  const outdir = path.join(assembly, `bundle-${tracing ? 'traced' : 'plain'}`);
  if (built.has(outdir)) return outdir;
  rmSync(outdir, { recursive: true, force: true });
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const args = [
    tsx,
    path.join(ROOT, 'scripts', 'build.ts'),
    '--outdir',
    outdir,
    '--handler-file',
    ASSET_HANDLER_FILE,
    ...(tracing ? [] : ['--no-tracer']),
  ];
  // Synth is synchronous and esbuild's plugins need its asynchronous API: hence a child process.
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  built.add(outdir);
  return outdir;
}

export function functionCode(scope: Construct, tracing: boolean): lambda.Code {
  // meta.json (esbuild's metafile, for size reviews) stays out of the deployed package.
  return lambda.Code.fromAsset(bundleDirectory(scope, tracing), { exclude: ['meta.json'] });
}
