import {
  DEFAULT_SETTINGS,
  artifactBucketName,
  auditResultsBucketName,
  bucketNameProblem,
  type PlatformSettings,
} from '../naming';

/**
 * Everything about the platform that is not a dataset: names (PlatformSettings), tags, retention and sizing, and
 * where Terraform keeps state. Defaults are the seed's values; each can be overridden by an environment variable or a
 * cdktf context key (cdktf.json "context", or CDKTF_CONTEXT_JSON), the environment winning.
 */
export type Backend =
  | { readonly kind: 'local' }
  | { readonly kind: 's3'; readonly bucket: string; readonly region: string; readonly keyPrefix: string }
  | { readonly kind: 'cloud'; readonly organization: string; readonly workspacePrefix: string; readonly hostname: string };

export interface Settings {
  readonly platform: PlatformSettings;
  readonly tags: Readonly<Record<string, string>>;
  readonly noncurrentVersionDays: number;
  readonly abortIncompleteUploadDays: number;
  readonly logRetentionDays: number;
  /**
   * Receipts (naming/receipts.ts) expire this many days after they are written. A data protection decision: long
   * enough to answer a subject access or audit question about a transfer, and no longer (SECURITY.md).
   */
  readonly receiptRetentionDays: number;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSeconds: number;
  readonly backend: Backend;
}

type Lookup = (contextKey: string) => unknown;
/** What a parser returns instead of a value: what it expected. */
class Problem {
  constructor(readonly expected: string) {}
}
type Parse<T> = (raw: string) => T | Problem;

interface Entry<T> {
  readonly env: string;
  readonly context: string;
  readonly fallback: T;
  readonly parse: Parse<T>;
}

const text =
  (expected: string, ok: (s: string) => boolean = () => true): Parse<string> =>
  (s) => (ok(s) ? s : new Problem(expected));
const bucket = text('a valid S3 bucket name', (s) => bucketNameProblem(s) === undefined);
const integer =
  (min: number, max: number, allowed?: readonly number[]): Parse<number> =>
  (s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) return new Problem(`a whole number from ${min} to ${max}`);
    if (allowed && !allowed.includes(n)) return new Problem(`one of ${allowed.join(', ')}`);
    return n;
  };
const stringMap: Parse<Record<string, string>> = (s) => {
  try {
    const v: unknown = JSON.parse(s);
    const isMap = typeof v === 'object' && v !== null && !Array.isArray(v);
    if (isMap && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>;
  } catch {
    // not JSON: the same answer as JSON of the wrong shape
  }
  return new Problem('a JSON object of string values, such as {"owner":"data-engineering"}');
};

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const SETTINGS = {
  account: setting('HUB_EXPORTS_ACCOUNT', 'account', DEFAULT_SETTINGS.account,
    text('a 12-digit AWS account ID', (s) => /^\d{12}$/.test(s))),
  region: setting('HUB_EXPORTS_REGION', 'region', DEFAULT_SETTINGS.region,
    text('an AWS region such as eu-west-1', (s) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(s))),
  exportBucket: setting('HUB_EXPORTS_EXPORT_BUCKET', 'exportBucket', DEFAULT_SETTINGS.exportBucket, bucket),
  pullBucketPrefix: setting('HUB_EXPORTS_PULL_BUCKET_PREFIX', 'pullBucketPrefix', DEFAULT_SETTINGS.pullBucketPrefix,
    text('the start of a bucket name, such as mojap-', (s) => /^[a-z0-9][a-z0-9.-]{0,40}$/.test(s))),
  rolePath: setting('HUB_EXPORTS_ROLE_PATH', 'rolePath', DEFAULT_SETTINGS.rolePath,
    text('an IAM path such as /service-role/', (s) => /^\/([\w+=,.@-]+\/)*$/.test(s))),
  tags: setting('HUB_EXPORTS_TAGS', 'tags', { application: 'hub-exports', 'managed-by': 'cdktf' }, stringMap),
  noncurrentVersionDays: setting('HUB_EXPORTS_NONCURRENT_VERSION_DAYS', 'noncurrentVersionDays', 30, integer(1, 3650)),
  abortIncompleteUploadDays: setting('HUB_EXPORTS_ABORT_INCOMPLETE_UPLOAD_DAYS', 'abortIncompleteUploadDays', 7,
    integer(1, 365)),
  logRetentionDays: setting('HUB_EXPORTS_LOG_RETENTION_DAYS', 'logRetentionDays', 400,
    integer(1, 3653, LOG_RETENTION_DAYS)),
  // A year and a month's margin: see receiptRetentionDays above.
  receiptRetentionDays: setting('HUB_EXPORTS_RECEIPT_RETENTION_DAYS', 'receiptRetentionDays', 400, integer(1, 3650)),
  lambdaMemoryMb: setting('HUB_EXPORTS_LAMBDA_MEMORY_MB', 'lambdaMemoryMb', 1024, integer(128, 10240)),
  lambdaTimeoutSeconds: setting('HUB_EXPORTS_LAMBDA_TIMEOUT_SECONDS', 'lambdaTimeoutSeconds', 900, integer(1, 900)),
  backend: setting('HUB_EXPORTS_BACKEND', 'backend', 'local',
    text('local, s3 or cloud', (s) => ['local', 's3', 'cloud'].includes(s))),
  stateBucket: setting('HUB_EXPORTS_STATE_BUCKET', 'stateBucket', '', bucket),
  stateRegion: setting('HUB_EXPORTS_STATE_REGION', 'stateRegion', '', text('an AWS region')),
  stateKeyPrefix: setting('HUB_EXPORTS_STATE_KEY_PREFIX', 'stateKeyPrefix', 'hub-exports/', text('a key prefix')),
  tfcOrganization: setting('HUB_EXPORTS_TFC_ORGANIZATION', 'tfcOrganization', '', text('an organization name')),
  tfcWorkspacePrefix: setting('HUB_EXPORTS_TFC_WORKSPACE_PREFIX', 'tfcWorkspacePrefix', 'hub-exports-',
    text('a workspace name prefix')),
  tfcHostname: setting('HUB_EXPORTS_TFC_HOSTNAME', 'tfcHostname', 'app.terraform.io', text('a host name')),
};

function setting<T>(env: string, context: string, fallback: T, parse: Parse<T>): Entry<T> {
  return { env, context, fallback, parse };
}

type Values = { [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K]['fallback'] };

/** Reads every setting; returns them, or every problem found (so a pipeline run shows all at once). */
export function resolveSettings(env: NodeJS.ProcessEnv, context: Lookup): { settings?: Settings; problems: string[] } {
  const problems: string[] = [];
  const values = {} as Record<string, unknown>;
  for (const [key, entry] of Object.entries(SETTINGS) as [string, Entry<unknown>][]) {
    const fromEnv = env[entry.env];
    const inEnv = fromEnv !== undefined && fromEnv !== '';
    const raw = inEnv ? fromEnv : context(entry.context);
    if (raw === undefined || raw === null || raw === '') {
      values[key] = entry.fallback;
      continue;
    }
    const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const parsed = entry.parse(shown);
    if (parsed instanceof Problem) {
      const source = inEnv ? entry.env : `context "${entry.context}"`;
      problems.push(`${source}: expected ${parsed.expected}, found ${JSON.stringify(shown)}`);
    } else values[key] = parsed;
  }
  const v = values as Values;
  const backend = toBackend(v, problems);
  // Buckets named after the export bucket must be valid names too (the longest suffix bounds its length).
  const derived = [
    ['exporter code bucket', artifactBucketName],
    ['audit results bucket', auditResultsBucketName],
  ] as const;
  for (const [what, nameOf] of derived) {
    const name = nameOf({ ...DEFAULT_SETTINGS, exportBucket: v.exportBucket });
    const problem = bucketNameProblem(name);
    if (problem) problems.push(`${SETTINGS.exportBucket.env}: the ${what} "${name}" ${problem}; use a shorter name`);
  }
  if (problems.length > 0 || !backend) return { problems };
  return {
    problems,
    settings: {
      platform: {
        account: v.account,
        region: v.region,
        exportBucket: v.exportBucket,
        pullBucketPrefix: v.pullBucketPrefix,
        rolePath: v.rolePath,
      },
      tags: v.tags,
      noncurrentVersionDays: v.noncurrentVersionDays,
      abortIncompleteUploadDays: v.abortIncompleteUploadDays,
      logRetentionDays: v.logRetentionDays,
      receiptRetentionDays: v.receiptRetentionDays,
      lambdaMemoryMb: v.lambdaMemoryMb,
      lambdaTimeoutSeconds: v.lambdaTimeoutSeconds,
      backend,
    },
  };
}

function toBackend(v: Values, problems: string[]): Backend | undefined {
  const need = (value: string, entry: Entry<unknown>, why: string) => {
    if (!value) problems.push(`${entry.env} (or context "${entry.context}") is required ${why}`);
    return value;
  };
  switch (v.backend) {
    case 's3': {
      const bucket = need(v.stateBucket, SETTINGS.stateBucket, 'with HUB_EXPORTS_BACKEND=s3');
      return bucket ? { kind: 's3', bucket, region: v.stateRegion || v.region, keyPrefix: v.stateKeyPrefix } : undefined;
    }
    case 'cloud': {
      const organization = need(v.tfcOrganization, SETTINGS.tfcOrganization, 'with HUB_EXPORTS_BACKEND=cloud');
      return organization
        ? { kind: 'cloud', organization, workspacePrefix: v.tfcWorkspacePrefix, hostname: v.tfcHostname }
        : undefined;
    }
    default:
      return { kind: 'local' };
  }
}
