/** The esbuild settings of the Lambda bundle, shared by `npm run build` and the cold-start benchmark's reference build. */
import type { BuildOptions } from 'esbuild';

export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  legalComments: 'none',
  // The Lambda Node.js runtime ships AWS SDK v3 (loaded only when an SSM parameter is used); ws's native speedups are optional.
  external: ['@aws-sdk/*', 'bufferutil', 'utf-8-validate'],
};
