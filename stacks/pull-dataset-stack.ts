import type { Construct } from 'constructs';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { PullDataset } from '../config/datasets';
import { pullBucketName, stackIds, toJson, userPolicyName } from '../naming';
import type { Settings } from '../settings';
import { notePause } from './paused';
import { checkRolesExist } from './roles-exist-check';
import { PlatformStack } from './platform-stack';
import { pullBucketPolicy, pullUserPolicy } from './policies';
import { SecureBucket } from './secure-bucket';

/**
 * One pull dataset: its bucket, readable by the external roles it lists (not while it is paused), and its users'
 * read/write permission.
 */
export class PullDatasetStack extends PlatformStack {
  constructor(scope: Construct, settings: Settings, dataset: PullDataset) {
    super(scope, stackIds.pull(dataset.name), settings, { dataset: dataset.name, paperwork: dataset.paperwork });
    const s = settings.platform;
    new SecureBucket(this, 'bucket', {
      name: pullBucketName(s, dataset.name),
      policy: pullBucketPolicy(s, dataset),
      versioned: dataset.bucket_versioning,
      abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
      noncurrentVersionDays: settings.noncurrentVersionDays,
    });
    for (const user of dataset.users) {
      new IamRolePolicy(this, `user-${user}`, {
        role: user,
        name: userPolicyName('pull', dataset.name),
        policy: toJson(pullUserPolicy(s, dataset)),
      });
    }
    notePause(this, dataset.paused);
    checkRolesExist(this, {
      kind: 'pull',
      dataset: dataset.name,
      account: s.account,
      users: dataset.users,
      roleArns: dataset.pull_arns,
    });
  }
}
