/** Jest runs the TypeScript sources through ts-jest in transpile-only mode; `npm run typecheck` does the type checking once. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // CommonJS output turns `await import()` into require(), which jest's module registry (and aws-sdk-client-mock) can follow.
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: { module: 'commonjs', moduleResolution: 'node10' } }],
    // The agent's shell program is imported as text (lib/tunnel/agent.sh), as esbuild's text loader does in the bundle.
    '^.+\\.sh$': '<rootDir>/test/helpers/sh-transform.js',
  },
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'json', 'node', 'sh'],
  modulePathIgnorePatterns: ['<rootDir>/test/conformance/node_modules', '<rootDir>/dist', '<rootDir>/cdk.out'],
  testTimeout: 30000,
  // Request logs would drown the test output; tests that check logs set LOG_LEVEL themselves.
  setupFiles: ['<rootDir>/test/helpers/quiet-logs.ts'],
};
