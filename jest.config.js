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
