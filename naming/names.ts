import type { PlatformSettings } from './settings';

/**
 * Every name and ARN derived from a dataset name. Receivers and requesters depend on these (bucket policies name the
 * exporter role; analysts write to the prefix), so they are computed here and nowhere else.
 */

/** IAM role names and Lambda function names share this limit (the exporter's role and function share its name). */
export const MAX_ROLE_NAME_LENGTH = 64;

export const stackIds = {
  exporter: 'exporter',
  push: (dataset: string): string => `push-${dataset}`,
  pull: (dataset: string): string => `pull-${dataset}`,
} as const;

/** Where a push dataset's users write: always the dataset name and a slash, so `proj` never matches `proj_2/…`. */
export const exportPrefix = (dataset: string): string => `${dataset}/`;

/**
 * Where a push dataset's exporter keeps the handover of a copy or stream too long for one invocation, in the export
 * bucket (the value predates the word and is kept: running transfers' handovers live there).
 * Dataset names start with a letter, so this is inside no dataset's prefix: users cannot write it, and the exporter
 * tells its events from uploads by the prefix alone.
 */
export const handoverPrefix = (dataset: string): string => `.exporter-state/${dataset}/`;

/**
 * The exporter's memory of each key (which upload it last delivered, who is working on it): an unversioned bucket,
 * named after the export bucket, without events, so its conditional writes are exact and invoke nothing.
 */
export const ledgerBucketName = (s: PlatformSettings): string => `${s.exportBucket}-ledger`;
/** Where one push dataset's exporter keeps its records, and the record of one key (by its hash). */
export const ledgerPrefix = (dataset: string): string => `${dataset}/`;
export const ledgerKey = (dataset: string, keyHash: string): string => `${ledgerPrefix(dataset)}${keyHash}.json`;

/** The exporter's role and its Lambda function share this name (the old system's `export_<name>-move`). */
export const exporterName = (dataset: string): string => `export_${dataset}-move`;

export const exporterRoleArn = (s: PlatformSettings, dataset: string): string =>
  `arn:aws:iam::${s.account}:role${s.rolePath}${exporterName(dataset)}`;

/**
 * Every exporter role, as an ARN pattern (`ArnLike`): a policy shared by all datasets (the export bucket's) names
 * them without naming a dataset, so adding one never changes it.
 */
export const anyExporterRoleArn = (s: PlatformSettings): string => exporterRoleArn(s, '*');

export const pullBucketName = (s: PlatformSettings, dataset: string): string =>
  `${s.pullBucketPrefix}${dataset.replace(/_/g, '-')}`;

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

/** Shared resources of the exporter stack, named from the export bucket so push stacks can derive them. */
export const artifactBucketName = (s: PlatformSettings): string => `${s.exportBucket}-lambda-code`;
export const artifactKey = (sha256Hex: string): string => `exporter/${sha256Hex}.zip`;
/** SNS names allow no dots, which bucket names may have. */
export const alarmTopicName = (s: PlatformSettings): string => `${s.exportBucket.replace(/\./g, '-')}-alarms`;
export const alarmTopicArn = (s: PlatformSettings): string =>
  `arn:aws:sns:${s.region}:${s.account}:${alarmTopicName(s)}`;

/** Per push dataset, all named after the exporter so an engineer finds them together. */
export const deadLetterQueueName = (dataset: string): string => `${exporterName(dataset)}-failed`;
export const deadLetterQueueArn = (s: PlatformSettings, dataset: string): string =>
  `arn:aws:sqs:${s.region}:${s.account}:${deadLetterQueueName(dataset)}`;
export const eventRuleArn = (s: PlatformSettings, dataset: string): string =>
  `arn:aws:events:${s.region}:${s.account}:rule/${exporterName(dataset)}`;
export const exporterLogGroup = (dataset: string): string => `/aws/lambda/${exporterName(dataset)}`;

/** Inline policies on users' roles: named after the dataset, so one user in many datasets gets one policy each. */
export const userPolicyName = (kind: 'push' | 'pull', dataset: string): string => `hub-exports-${kind}-${dataset}`;

/**
 * The audit table over receipts (stacks/audit-table.ts), named after the export bucket like the exporter stack's
 * other shared resources. Glue names allow lower-case letters, digits and underscores only, which bucket names'
 * `-` and `.` are not; Athena workgroup names allow both.
 */
export const auditDatabaseName = (s: PlatformSettings): string => `${s.exportBucket.replace(/[^a-z0-9]/g, '_')}_audit`;
export const AUDIT_TABLE_NAME = 'receipts';
export const auditWorkgroupName = (s: PlatformSettings): string => `${s.exportBucket}-audit`;
/** Where the audit workgroup's query results go (they expire: see stacks/audit-table.ts). */
export const auditResultsBucketName = (s: PlatformSettings): string => `${s.exportBucket}-audit-results`;

/** The leavers' check block of every dataset stack (stacks/roles-exist-check.ts): plans show `check.roles_exist`. */
export const ROLES_EXIST_CHECK = 'roles_exist';
