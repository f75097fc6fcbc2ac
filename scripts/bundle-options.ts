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
  // The Lambda Node.js runtime ships AWS SDK v3 (loaded only when an SSM parameter is used); ws's native speedups are optional.
  external: ['@aws-sdk/*', 'bufferutil', 'utf-8-validate'],
} as const;

/** NODE_OPTIONS of the deployed function: source maps make stack traces in its logs readable (at some load cost). */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  ...LAMBDA_BUNDLE,
  external: [...LAMBDA_BUNDLE.external],
  bundle: true,
  platform: 'node',
};
