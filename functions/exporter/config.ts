import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { bucketNameProblem } from '../../naming';
import { DEFAULTS, type TransferMode, GiB, MAX_PART_BYTES, MAX_SINGLE_REQUEST_BYTES, MIN_PART_BYTES } from './defaults';
import { ConfigError } from './errors';

/** Everything the exporter reads from its environment, checked once, typed. */
export interface ExporterConfig {
  /** DATASET: the push dataset's name; only keys under `<dataset>/` are exported. */
  readonly dataset: string;
  /** TARGET_BUCKET: the receiving bucket. */
  readonly targetBucket: string;
  /**
   * TARGET_BUCKET_OWNER: the 12-digit ID of the account that owns TARGET_BUCKET (dataset field `bucket_owner`), leading
   * zeros kept. Every request to the target names it (ExpectedBucketOwner): S3 refuses a bucket of that name that
   * another account owns, so a deleted bucket's name taken by someone else never receives an export.
   */
  readonly targetBucketOwner: string;
  /**
   * PLATFORM_ACCOUNT: the 12-digit ID of the account that owns the export bucket and the ledger bucket. Every request
   * to them names it (ExpectedBucketOwner, and ExpectedSourceBucketOwner on copies from the export bucket).
   */
  readonly platformAccount: string;
  /** LEDGER_BUCKET: the unversioned bucket where the exporter remembers, per key, what it delivered (ledger.ts). */
  readonly ledgerBucket: string;
  /** PAPERWORK: the dataset's paperwork reference (DPIA or data sharing agreement), written into every receipt. */
  readonly paperwork: string;
  /** CLAIM_TTL_MS: a claim on a key not renewed for this long belongs to a function that died; default 30 s. */
  readonly claimTtlMs: number;
  /** KEEP_FILES: `true` copies and keeps the source; default `false` (move). */
  readonly keepFiles: boolean;
  /** TRANSFER_MODE: `copy` (server-side, default) or `stream` (bytes pass through the function). */
  readonly transferMode: TransferMode;
  /** MULTIPART_THRESHOLD_BYTES: objects larger than this are copied in parts; default 64 MiB, at most 5 GiB. */
  readonly multipartThresholdBytes: number;
  /** PART_SIZE_BYTES: preferred part size, raised when needed to stay within 10,000 parts; default 64 MiB. */
  readonly partSizeBytes: number;
  /** PART_CONCURRENCY: parts in flight at once; default 16. Streaming holds this many parts in memory. */
  readonly partConcurrency: number;
  /** PROGRESS_LOG_INTERVAL_MS: while a transfer runs, a progress line this often; default 30 s. */
  readonly progressLogIntervalMs: number;
  /** AWS_ENDPOINT_URL_S3: another S3 endpoint (a local server); addressing is then path-style. */
  readonly endpoint?: string;
  /** EXPORTER_PRINCIPAL: the ARN receivers name in their bucket policy; named in AccessDenied messages. */
  readonly principal?: string;
  /** TARGET_KMS_KEY_ARN: the receiver's KMS key (dataset field `kms_key_arn`); named in AccessDenied messages. */
  readonly targetKeyArn?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** An AWS account ID is exactly 12 digits, kept as text: a number would lose a leading zero. */
function accountIdProblem(v: string): string | undefined {
  if (/^\d{12}$/.test(v)) return undefined;
  const lost = /^\d{1,11}$/.test(v) ? ` (${v.length} digits: was a leading zero lost?)` : '';
  return `expected a 12-digit AWS account ID such as "012345678901", leading zeros kept${lost}`;
}

/**
 * Readers of one environment that collect every problem instead of stopping at the first: each returns a usable
 * value (the default when unset or wrong) so that all variables are checked in one pass.
 */
function envReader(env: Env, problems: string[]) {
  const text = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === '' ? undefined : v;
  };
  const required = (name: string, problem: (v: string) => string | undefined): string => {
    const v = text(name);
    if (v === undefined) problems.push(`${name} is not set`);
    else {
      const p = problem(v);
      if (p) problems.push(`${name}=${JSON.stringify(v)}: ${p}`);
    }
    return v ?? '';
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = text(name);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`${name}=${JSON.stringify(v)}: expected one of ${allowed.join(', ')}`);
    return fallback;
  };
  const integer = (name: string, min: number, max: number, fallback: number, unit = ''): number => {
    const v = text(name);
    if (v === undefined) return fallback;
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    problems.push(`${name}=${JSON.stringify(v)}: expected a whole number from ${min} to ${max}${unit}`);
    return fallback;
  };
  return { text, required, oneOf, integer };
}

/** Reads the exporter's configuration; every problem is reported at once. */
export function loadConfig(env: Env): ExporterConfig {
  const problems: string[] = [];
  const { text, required, oneOf, integer } = envReader(env, problems);
  const dataset = required('DATASET', (v) =>
    /^[a-z][a-z0-9_]*$/.test(v) ? undefined : 'expected a dataset name (lower case letters, digits, underscores)',
  );
  const targetBucket = required('TARGET_BUCKET', bucketNameProblem);
  const targetBucketOwner = required('TARGET_BUCKET_OWNER', accountIdProblem);
  const platformAccount = required('PLATFORM_ACCOUNT', accountIdProblem);
  const ledgerBucket = required('LEDGER_BUCKET', bucketNameProblem);
  const paperwork = required('PAPERWORK', () => undefined);
  const claimTtlMs = integer('CLAIM_TTL_MS', 100, 600_000, DEFAULTS.claimTtlMs, ' milliseconds');
  const keepFiles = oneOf('KEEP_FILES', ['true', 'false'], String(DEFAULTS.keepFiles) as 'true' | 'false') === 'true';
  const transferMode = oneOf<TransferMode>('TRANSFER_MODE', ['copy', 'stream'], DEFAULTS.transferMode);
  const multipartThresholdBytes = integer(
    'MULTIPART_THRESHOLD_BYTES',
    0,
    MAX_SINGLE_REQUEST_BYTES,
    DEFAULTS.multipartThresholdBytes,
    ` bytes (${MAX_SINGLE_REQUEST_BYTES / GiB} GiB, the largest single CopyObject)`,
  );
  const partSizeBytes = integer(
    'PART_SIZE_BYTES',
    MIN_PART_BYTES,
    MAX_PART_BYTES,
    DEFAULTS.partSizeBytes,
    ' bytes (S3 parts are 5 MiB to 5 GiB)',
  );
  const partConcurrency = integer('PART_CONCURRENCY', 1, 64, DEFAULTS.partConcurrency);
  const progressLogIntervalMs = integer(
    'PROGRESS_LOG_INTERVAL_MS',
    10,
    900_000,
    DEFAULTS.progressLogIntervalMs,
    ' milliseconds',
  );
  const endpoint = text('AWS_ENDPOINT_URL_S3');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    problems.push(`AWS_ENDPOINT_URL_S3=${JSON.stringify(endpoint)}: expected a URL such as http://127.0.0.1:7480`);
  }
  const targetKeyArn = text('TARGET_KMS_KEY_ARN');
  if (targetKeyArn !== undefined && !/^arn:aws:kms:[^:]+:\d{12}:key\/[\w-]+$/.test(targetKeyArn)) {
    problems.push(`TARGET_KMS_KEY_ARN=${JSON.stringify(targetKeyArn)}: expected a KMS key ARN`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dataset,
    targetBucket,
    targetBucketOwner,
    platformAccount,
    ledgerBucket,
    paperwork,
    claimTtlMs,
    keepFiles,
    transferMode,
    multipartThresholdBytes,
    partSizeBytes,
    partConcurrency,
    progressLogIntervalMs,
    ...(endpoint !== undefined && { endpoint }),
    ...(text('EXPORTER_PRINCIPAL') !== undefined && { principal: text('EXPORTER_PRINCIPAL') }),
    ...(targetKeyArn !== undefined && { targetKeyArn }),
  };
}

/**
 * The exporter's S3 client. Checksums only where S3 requires them: RGW (the local test server) rejects the SDK's
 * default streamed aws-chunked bodies, and the exporter compares S3's own stored checksums instead. Adaptive retries
 * slow the client down under 503 SlowDown rather than hammering a hot prefix.
 */
export function createS3Client(config: Pick<ExporterConfig, 'endpoint'>, overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryMode: 'adaptive',
    maxAttempts: DEFAULTS.sdkMaxAttempts,
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: DEFAULTS.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: DEFAULTS.maxSockets },
    },
    ...(config.endpoint !== undefined && { endpoint: config.endpoint, forcePathStyle: true }),
    ...overrides,
  });
}
