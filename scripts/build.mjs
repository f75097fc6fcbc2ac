// Bundles the Lambda handler into one minified file (<outdir>/handler.js, default dist/) with a
// source map and esbuild's metafile (meta.json): the same entry (lib/stream.ts) the CDK app deploys.
// Only it and what it imports go in:
// no test code, no simulator, no dev dependencies.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const flag = process.argv.indexOf('--outdir');
const outdir = flag === -1 ? 'dist' : process.argv[flag + 1];

const result = await build({
  entryPoints: ['lib/stream.ts'],
  outfile: path.join(outdir, 'handler.js'),
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  metafile: true,
  legalComments: 'none',
  // The Lambda Node.js runtime ships AWS SDK v3 (loaded only when an SSM parameter is used); ws's native speedups are optional.
  external: ['@aws-sdk/*', 'bufferutil', 'utf-8-validate'],
});
writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`${path.join(outdir, 'handler.js')}: ${bytes} bytes`);
