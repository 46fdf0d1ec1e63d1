// The AWS SDK warns, once per module registry and so once per test file, that its releases after January 2027 need
// Node 22. The build machines run Node 20 by design and the deployed function runs nodejs22.x, so for tests it says
// nothing to act on; this is the SDK's documented switch (aws-sdk-js-v3 issue 7983), and it silences that warning only.
// Set it to false to see the warning again. The workers inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `tsc` in `npm test`; the transform only strips types, which keeps jest fast.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 120000,
  // The exporter's S3 suites need the local S3 server: started once per run when they are selected.
  globalSetup: '<rootDir>/__tests__/exporter/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/exporter/global-teardown.ts',
};
