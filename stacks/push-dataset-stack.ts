import type { Construct } from 'constructs';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { PushDataset } from '../config/datasets';
import type { LambdaArtifact } from '../packaging/lambda-bundle';
import { stackIds, toJson, userPolicyName } from '../naming';
import type { Settings } from '../settings';
import { ExporterFunction } from './exporter-function';
import { FailedExports } from './failed-exports';
import { ObjectCreatedRule } from './object-created-rule';
import { notePause } from './paused';
import { checkRolesExist } from './roles-exist-check';
import { PlatformStack } from './platform-stack';
import { pushUserPolicy } from './policies';

/**
 * One push dataset: its exporter, the rule that feeds it objects written under `<name>/`, where failed exports go,
 * and its users' upload permission. Paused (`paused`), the exporter runs no invocation and the users cannot upload;
 * nothing is destroyed. The constructs keep their resources' Terraform addresses (see addresses.ts).
 */
export class PushDatasetStack extends PlatformStack {
  constructor(scope: Construct, settings: Settings, dataset: PushDataset, artifact: LambdaArtifact) {
    super(scope, stackIds.push(dataset.name), settings, { dataset: dataset.name, paperwork: dataset.paperwork });
    const s = settings.platform;
    const failed = new FailedExports(this, 'failed-exports', { settings: s, dataset: dataset.name });
    const exporter = new ExporterFunction(this, 'exporter-function', {
      settings,
      dataset,
      artifact,
      failedExportsArn: failed.queue.arn,
    });
    new ObjectCreatedRule(this, 'object-created-rule', {
      settings: s,
      dataset: dataset.name,
      fn: exporter.fn,
      deadLetterArn: failed.queue.arn,
    });
    for (const user of dataset.users) {
      new IamRolePolicy(this, `user-${user}`, {
        role: user,
        name: userPolicyName('push', dataset.name),
        policy: toJson(pushUserPolicy(s, dataset)),
      });
    }
    notePause(this, dataset.paused);
    checkRolesExist(this, { kind: 'push', dataset: dataset.name, account: s.account, users: dataset.users });
  }
}
