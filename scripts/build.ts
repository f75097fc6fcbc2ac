/**
 * `npm run build`: bundles the Lambda entry (lib/stream.ts, the one the CDK app deploys) into one
 * minified file (<outdir>/handler.js, default dist/) with a source map and esbuild's metafile
 * (meta.json). Only it and what it imports go in: no test code, no simulator, no dev dependencies.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS, TRACER_FILE, tracerBundleOptions } from './bundle-options';

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--outdir');
  const outdir = flag === -1 ? 'dist' : (process.argv[flag + 1] ?? 'dist');
  const result = await build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: ['lib/stream.ts'], outfile: path.join(outdir, 'handler.js'), metafile: true });
  writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(`${path.join(outdir, 'handler.js')}: ${bytes} bytes`);
  // Beside it, the tracer's own bundle, which the handler loads only with MCP_TRACING on.
  const tracer = await build({ ...tracerBundleOptions(process.cwd(), outdir), metafile: true });
  const tracerBytes = Object.values(tracer.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(`${path.join(outdir, TRACER_FILE)}: ${tracerBytes} bytes`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
