/**
 * The Lambda bundle's esbuild settings and the Node options it runs with, in one place: scripts/bundle.ts
 * (which `npm run build`, the CDK stack and the cold-start benchmark build through) and the benchmark's
 * reference read them here.
 */
import type { BuildOptions } from 'esbuild';

/** The settings shared by the handler's bundle and the tracer's. */
export const LAMBDA_BUNDLE = {
  minify: true,
  sourcemap: true,
  // Node reads the map at load (--enable-source-maps) and needs only its mappings for readable stack traces;
  // without the sources' text the map is a quarter of the size, which is read and parsed at every cold start.
  sourcesContent: false,
  target: 'node22',
  format: 'cjs',
  legalComments: 'none',
  // The Lambda Node.js runtime ships AWS SDK v3 (loaded only when an SSM parameter is used); ws's native speedups are
  // optional; Powertools Tracer is bundled apart (below), so the handler's bundle carries none of its bytes.
  external: ['@aws-sdk/*', 'bufferutil', 'utf-8-validate', '@aws-lambda-powertools/tracer'],
} as const;

/**
 * Powertools Tracer and the X-Ray SDK (about 127 KB) in a bundle of their own, `tracer.js` beside the
 * handler's, which lib/tracing.ts loads on the first traced call. Kept apart so that a function without
 * tracing neither ships nor reads them (every byte of the handler's bundle is read at each cold start);
 * the stack builds it only when tracing is on, `npm run build` always.
 */
export const TRACER_FILE = 'tracer.js';
export const TRACER_ENTRY = 'scripts/tracer-entry.js';

/** NODE_OPTIONS of the deployed function: source maps make stack traces in its logs readable (at some load cost). */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  ...LAMBDA_BUNDLE,
  external: [...LAMBDA_BUNDLE.external],
  bundle: true,
  platform: 'node',
  // The agent's shell program is a file of its own (lib/tunnel/), carried in the bundle as a string.
  loader: { '.sh': 'text' },
};

/** The tracer's bundle: the same settings, from `root` (the project's directory), into `outdir`. */
export function tracerBundleOptions(root: string, outdir: string): BuildOptions {
  return {
    ...LAMBDA_BUNDLE_OPTIONS,
    external: ['@aws-sdk/*'],
    entryPoints: [`${root}/${TRACER_ENTRY}`],
    outfile: `${outdir}/${TRACER_FILE}`,
  };
}
