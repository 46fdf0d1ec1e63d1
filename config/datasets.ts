import * as t from 'io-ts';
import { StructType } from './codec';
import { bucketName, datasetName, flag, list, paperwork, roleArn, transferMode, username } from './fields';

/**
 * The two dataset kinds. These codecs are the single source of truth for the fields a YAML file may hold and for the
 * types the stacks consume (field names stay as written in YAML, so docs, files and code use one vocabulary).
 */

const users = list(username, 'platform usernames');

export const PushDatasetCodec = new StructType(
  'a push dataset',
  { name: datasetName, bucket: bucketName, users, paperwork },
  { keep_files: flag, transfer: transferMode },
  {
    defaults: { keep_files: false, transfer: 'copy' },
    misplaced: {
      pull_arns: 'that field belongs to pull datasets (pull_datasets/); a push dataset sends files to "bucket"',
      allow_push: 'that field belongs to pull datasets (pull_datasets/)',
      bucket_versioning: 'that field belongs to pull datasets (pull_datasets/)',
    },
  },
);

export const PullDatasetCodec = new StructType(
  'a pull dataset',
  { name: datasetName, users, paperwork, pull_arns: list(roleArn, 'IAM role ARNs') },
  { allow_push: flag, bucket_versioning: flag },
  {
    defaults: { allow_push: false, bucket_versioning: false },
    misplaced: {
      bucket: 'a pull dataset gets its own bucket; to send files to an existing bucket, use push_datasets/',
      keep_files: 'that field belongs to push datasets (push_datasets/)',
      transfer: 'that field belongs to push datasets (push_datasets/)',
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
