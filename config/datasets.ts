import * as t from 'io-ts';
import { StructType } from './codec';
import { kmsKeyArn, roleArn } from './arn-fields';
import { accountId, bucketName, datasetName, flag, list, paperwork, pauseReason, transferMode, username } from './fields';

/**
 * The two dataset kinds. These codecs are the single source of truth for the fields a YAML file may hold and for the
 * types the stacks consume (field names stay as written in YAML, so docs, files and code use one vocabulary).
 */

const users = list(username, 'platform usernames');

const COMMON = {
  name: 'The dataset name: lower case letters, digits and underscores, starting with a letter; the file name without .yaml.',
  users: 'Platform usernames (alpha_user_...) allowed to use this dataset.',
  paperwork: 'Link to or reference of the DPIA, data sharing agreement or equivalent that allows this transfer.',
};

/** What `paused` stops, per kind: an emergency stop through the ordinary reviewed deploy, destroying nothing. */
const PAUSED = {
  push:
    'Stops the dataset without destroying it: the reason (an incident or ticket reference). Nothing is delivered and ' +
    'the users cannot upload; files already uploaded stay and can be exported again once the field is removed.',
  pull:
    'Stops the dataset without destroying it: the reason (an incident or ticket reference). The pull_arns lose all ' +
    'access; the bucket, its data and the users\' access stay.',
};

export const PushDatasetCodec = new StructType(
  'a push dataset',
  { name: datasetName, bucket: bucketName, bucket_owner: accountId, users, paperwork },
  { keep_files: flag, transfer: transferMode, kms_key_arn: kmsKeyArn, paused: pauseReason },
  {
    defaults: { keep_files: false, transfer: 'copy' },
    asWritten: ['bucket_owner'],
    descriptions: {
      ...COMMON,
      users: 'Platform usernames (alpha_user_...) allowed to upload under s3://mojap-hub-exports/<name>/.',
      bucket: "The receiving bucket's name in the other account (not an ARN, not s3://, not an address).",
      bucket_owner:
        "The 12-digit ID of the AWS account that owns bucket. Exports are delivered only while that account owns it " +
        '(bucket names are reused once deleted). Quote it if it starts with 0.',
      keep_files: 'true: copy files and keep them in the export bucket; false (default): move them.',
      transfer: 'copy (default): server-side copy; stream: read and upload the bytes, for targets a copy cannot reach.',
      kms_key_arn:
        "Only when the receiving bucket's default encryption uses the receiver's own KMS key: that key's ARN " +
        '(arn:aws:kms:<region>:<bucket_owner>:key/<id>). The exporter may then encrypt with it, through S3 only.',
      paused: PAUSED.push,
    },
    misplaced: {
      pull_arns: 'that field belongs to pull datasets (pull_datasets/); a push dataset sends files to "bucket"',
      account: 'did you mean "bucket_owner" (the 12-digit ID of the account that owns "bucket")?',
      allow_push: 'that field belongs to pull datasets (pull_datasets/)',
      bucket_versioning: 'that field belongs to pull datasets (pull_datasets/)',
    },
  },
);

export const PullDatasetCodec = new StructType(
  'a pull dataset',
  { name: datasetName, users, paperwork, pull_arns: list(roleArn, 'IAM role ARNs') },
  { allow_push: flag, bucket_versioning: flag, paused: pauseReason },
  {
    defaults: { allow_push: false, bucket_versioning: false },
    descriptions: {
      ...COMMON,
      users: 'Platform usernames (alpha_user_...) who can read and write the bucket mojap-<name>.',
      pull_arns: 'IAM role ARNs (arn:aws:iam::<account>:role/<name>) that may read the bucket.',
      allow_push: 'true: the pull_arns may also write and delete objects; false (default): read only.',
      bucket_versioning: 'true: keep earlier versions of overwritten objects; false (default).',
      paused: PAUSED.pull,
    },
    misplaced: {
      bucket: 'a pull dataset gets its own bucket; to send files to an existing bucket, use push_datasets/',
      keep_files: 'that field belongs to push datasets (push_datasets/)',
      transfer: 'that field belongs to push datasets (push_datasets/)',
      kms_key_arn: 'that field belongs to push datasets (push_datasets/); a pull bucket is encrypted by the platform',
      bucket_owner: 'that field belongs to push datasets (push_datasets/); a pull bucket is owned by the platform',
    },
  },
);

export type PushDataset = t.TypeOf<typeof PushDatasetCodec>;
export type PullDataset = t.TypeOf<typeof PullDatasetCodec>;

export type DatasetKind = 'push' | 'pull';

/** The folder of each kind, relative to the datasets root. */
export const DATASET_FOLDERS: Readonly<Record<DatasetKind, string>> = {
  push: 'push_datasets',
  pull: 'pull_datasets',
};

export interface Datasets {
  readonly push: readonly PushDataset[];
  readonly pull: readonly PullDataset[];
}
