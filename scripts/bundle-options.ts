/**
 * The Lambda bundle's esbuild settings and the Node options it runs with, in one place: `npm run build`,
 * the CDK stack's NodejsFunction (infra/lib/stack.ts) and the cold-start benchmark all read them here.
 */
import type { BuildOptions } from 'esbuild';

/** The settings NodejsFunction's bundling options can also express (it always bundles for the node platform). */
export const LAMBDA_BUNDLE = {
  minify: true,
  sourcemap: true,
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
};

/** The tracer's bundle: the same settings, from `root` (the project's directory), into `outdir`. */
export function tracerBundleOptions(root: string, outdir: string): BuildOptions {
  return { ...LAMBDA_BUNDLE_OPTIONS, external: ['@aws-sdk/*'], entryPoints: [`${root}/${TRACER_ENTRY}`], outfile: `${outdir}/${TRACER_FILE}` };
}

/** The same as an esbuild command line, for the stack's bundling hook (NodejsFunction runs shell commands). */
export function tracerBundleCommand(root: string, outdir: string): string {
  const q = (v: string) => `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
  return [
    // The same esbuild the handler's bundle is built with (the package's own launcher: a native binary on most platforms).
    q(`${root}/node_modules/.bin/esbuild`),
    q(`${root}/${TRACER_ENTRY}`),
    '--bundle',
    '--platform=node',
    `--format=${LAMBDA_BUNDLE.format}`,
    `--target=${LAMBDA_BUNDLE.target}`,
    '--minify',
    '--sourcemap',
    `--legal-comments=${LAMBDA_BUNDLE.legalComments}`,
    q('--external:@aws-sdk/*'),
    q(`--outfile=${outdir}/${TRACER_FILE}`),
  ].join(' ');
}
