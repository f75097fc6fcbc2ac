/**
 * `npm run build`: bundles the Lambda entry (lib/stream.ts, the one the CDK app deploys) into one
 * minified file (<outdir>/handler.js, default dist/) with a source map and esbuild's metafile
 * (meta.json), and the tracer's bundle beside it (scripts/bundle.ts). Only the entry and what it imports
 * go in: no test code, no simulator, no dev dependencies. `--no-tracer` leaves the tracer's bundle out and
 * `--handler-file` names the handler's file (the CDK stack builds its asset with both).
 */
import path from 'node:path';
import { bundleLambda, HANDLER_FILE, TRACER_FILE } from './bundle';

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--outdir');
  const outdir = path.resolve(flag === -1 ? 'dist' : (process.argv[flag + 1] ?? 'dist'));
  const tracer = !process.argv.includes('--no-tracer');
  const named = process.argv.indexOf('--handler-file');
  const handlerFile = named === -1 ? HANDLER_FILE : (process.argv[named + 1] ?? HANDLER_FILE);
  const { handlerBytes, tracerBytes } = await bundleLambda({
    root: path.join(__dirname, '..'),
    outdir,
    tracer,
    handlerFile,
  });
  console.log(`${path.join(outdir, handlerFile)}: ${handlerBytes} bytes`);
  if (tracerBytes !== undefined) console.log(`${path.join(outdir, TRACER_FILE)}: ${tracerBytes} bytes`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
