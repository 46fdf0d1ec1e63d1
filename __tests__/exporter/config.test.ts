import { loadConfig } from '../../functions/exporter/config';
import { DEFAULTS } from '../../functions/exporter/defaults';
import { ConfigError } from '../../functions/exporter/errors';
import { REQUIRED_ENV } from './helpers/config-env';

const base = REQUIRED_ENV;

test('defaults: move (not keep), server-side copy, 64 MiB threshold and parts, 16 in flight, progress every 30 s', () => {
  expect(loadConfig(base)).toEqual({
    dataset: 'proj',
    targetBucket: 'receiver-landing',
    targetBucketOwner: '012345678901',
    platformAccount: '593291632749',
    ledgerBucket: 'mojap-hub-exports-ledger',
    paperwork: 'DPIA-2026-041',
    claimTtlMs: 30_000,
    keepFiles: false,
    transferMode: 'copy',
    multipartThresholdBytes: DEFAULTS.multipartThresholdBytes,
    partSizeBytes: DEFAULTS.partSizeBytes,
    partConcurrency: 16,
    progressLogIntervalMs: 30_000,
  });
});

test('every setting read from its variable', () => {
  const c = loadConfig({
    ...base,
    KEEP_FILES: 'true',
    TRANSFER_MODE: 'stream',
    MULTIPART_THRESHOLD_BYTES: '5242880',
    PART_SIZE_BYTES: '5242880',
    PART_CONCURRENCY: '4',
    PROGRESS_LOG_INTERVAL_MS: '5000',
    CLAIM_TTL_MS: '2000',
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7480',
    EXPORTER_PRINCIPAL: 'arn:aws:iam:::user/exporter',
    TARGET_KMS_KEY_ARN: 'arn:aws:kms:eu-west-2:777788889999:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  });
  expect(c).toMatchObject({
    keepFiles: true,
    transferMode: 'stream',
    multipartThresholdBytes: 5242880,
    partSizeBytes: 5242880,
    partConcurrency: 4,
    progressLogIntervalMs: 5000,
    claimTtlMs: 2000,
    endpoint: 'http://127.0.0.1:7480',
    principal: 'arn:aws:iam:::user/exporter',
    targetKeyArn: 'arn:aws:kms:eu-west-2:777788889999:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  });
});

test('every problem is reported at once, naming the variable, the value and what is expected', () => {
  let error: ConfigError | undefined;
  try {
    loadConfig({
      DATASET: 'Proj',
      TARGET_BUCKET: 'arn:aws:s3:::x',
      KEEP_FILES: 'yes',
      TRANSFER_MODE: 'rsync',
      MULTIPART_THRESHOLD_BYTES: '6GiB',
      PART_SIZE_BYTES: '1024',
      PROGRESS_LOG_INTERVAL_MS: '5s',
      TARGET_KMS_KEY_ARN: 'alias/landing',
      CLAIM_TTL_MS: '10',
    });
  } catch (e) {
    error = e as ConfigError;
  }
  expect(error?.problems).toEqual([
    'DATASET="Proj": expected a dataset name (lower case letters, digits, underscores)',
    'TARGET_BUCKET="arn:aws:s3:::x": may contain only lower case letters, digits, dots and hyphens (found ":")',
    'TARGET_BUCKET_OWNER is not set',
    'PLATFORM_ACCOUNT is not set',
    'LEDGER_BUCKET is not set',
    'PAPERWORK is not set',
    'CLAIM_TTL_MS="10": expected a whole number from 100 to 600000 milliseconds',
    'KEEP_FILES="yes": expected one of true, false',
    'TRANSFER_MODE="rsync": expected one of copy, stream',
    'MULTIPART_THRESHOLD_BYTES="6GiB": expected a whole number from 0 to 5368709120 bytes (5 GiB, the largest single CopyObject)',
    'PART_SIZE_BYTES="1024": expected a whole number from 5242880 to 5368709120 bytes (S3 parts are 5 MiB to 5 GiB)',
    'PROGRESS_LOG_INTERVAL_MS="5s": expected a whole number from 10 to 900000 milliseconds',
    'TARGET_KMS_KEY_ARN="alias/landing": expected a KMS key ARN',
  ]);
  expect(() => loadConfig({})).toThrow('DATASET is not set');
});

describe('the accounts that must own the buckets', () => {
  const problems = (env: Record<string, string>): readonly string[] => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  test('12 digits, kept as text: a leading zero survives', () => {
    const c = loadConfig({ ...base, TARGET_BUCKET_OWNER: '000000000042', PLATFORM_ACCOUNT: ' 593291632749 ' });
    expect(c).toMatchObject({ targetBucketOwner: '000000000042', platformAccount: '593291632749' });
  });

  test.each([
    ['12345678901', ' (11 digits: was a leading zero lost?)'],
    ['1234567890123', ''],
    ['1234-5678-9012', ''],
    ['arn:aws:iam::123456789012:root', ''],
    ['1.23456789012e11', ''],
    ['*', ''],
  ])('%s is refused, for either variable', (value, hint) => {
    const expected = `expected a 12-digit AWS account ID such as "012345678901", leading zeros kept${hint}`;
    expect(problems({ TARGET_BUCKET_OWNER: value })).toEqual([`TARGET_BUCKET_OWNER=${JSON.stringify(value)}: ${expected}`]);
    expect(problems({ PLATFORM_ACCOUNT: value })).toEqual([`PLATFORM_ACCOUNT=${JSON.stringify(value)}: ${expected}`]);
  });

  test('an empty value is as good as none', () => {
    expect(problems({ TARGET_BUCKET_OWNER: '', PLATFORM_ACCOUNT: '  ' })).toEqual([
      'TARGET_BUCKET_OWNER is not set',
      'PLATFORM_ACCOUNT is not set',
    ]);
  });
});
