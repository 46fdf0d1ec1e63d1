/** The exporter's required environment and nothing more, for tests that build its configuration without S3. */
export const REQUIRED_ENV = Object.freeze({
  DATASET: 'proj',
  TARGET_BUCKET: 'receiver-landing',
  TARGET_BUCKET_OWNER: '012345678901',
  PLATFORM_ACCOUNT: '593291632749',
  LEDGER_BUCKET: 'mojap-hub-exports-ledger',
  PAPERWORK: 'DPIA-2026-041',
});
