import type { PlatformSettings } from './settings';

/**
 * Every name and ARN derived from a dataset name. Receivers and requesters depend on these (bucket policies name the
 * exporter role; analysts write to the prefix), so they are computed here and nowhere else.
 */

/** IAM role names and Lambda function names share this limit. */
export const MAX_ROLE_NAME_LENGTH = 64;
export const MAX_FUNCTION_NAME_LENGTH = 64;

export const stackIds = {
  exporter: 'exporter',
  push: (dataset: string): string => `push-${dataset}`,
  pull: (dataset: string): string => `pull-${dataset}`,
} as const;

/** Where a push dataset's users write: always the dataset name and a slash, so `proj` never matches `proj_2/…`. */
export const exportPrefix = (dataset: string): string => `${dataset}/`;

/** The exporter's role and its Lambda function share this name (the old system's `export_<name>-move`). */
export const exporterName = (dataset: string): string => `export_${dataset}-move`;

export const exporterRoleArn = (s: PlatformSettings, dataset: string): string =>
  `arn:aws:iam::${s.account}:role${s.rolePath}${exporterName(dataset)}`;

export const pullBucketName = (s: PlatformSettings, dataset: string): string =>
  `${s.pullBucketPrefix}${dataset.replace(/_/g, '-')}`;

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

export const platformUserRoleArn = (s: PlatformSettings, user: string): string =>
  `arn:aws:iam::${s.account}:role/${user}`;
