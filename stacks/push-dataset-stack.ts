import type { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import type { PushDataset } from '../config/datasets';
import {
  alarmTopicArn,
  artifactBucketName,
  artifactKey,
  continuationPrefix,
  deadLetterQueueName,
  exportPrefix,
  exporterLogGroup,
  exporterName,
  exporterRoleArn,
  ledgerBucketName,
  stackIds,
  userPolicyName,
} from '../naming';
import type { Settings } from '../settings';
import { PlatformStack } from './platform-stack';
import { deadLetterQueuePolicy, exporterRolePolicy, pushUserPolicy, serviceTrust } from './policies';
import { toJson } from './policy-document';

/** The exporter's code as built at synth time; its S3 location is derived from the hash. */
export interface ExporterArtifact {
  readonly zipPath: string;
  readonly sha256Hex: string;
  readonly sha256Base64: string;
}

/**
 * One push dataset: its exporter (role, function, log group), the EventBridge rule that feeds it objects written
 * under `<name>/`, where failed exports go (queue and alarms), and its users' upload permission.
 */
export class PushDatasetStack extends PlatformStack {
  constructor(scope: Construct, settings: Settings, dataset: PushDataset, artifact: ExporterArtifact) {
    super(scope, stackIds.push(dataset.name), settings, { dataset: dataset.name, paperwork: dataset.paperwork });
    const s = settings.platform;
    const name = exporterName(dataset.name);

    // Its ARN is what receivers put in their bucket policies: it depends on the name only, never on keep_files.
    const role = new IamRole(this, 'exporter-role', {
      name,
      path: s.rolePath,
      assumeRolePolicy: toJson(serviceTrust('lambda.amazonaws.com')),
    });
    const rolePolicy = new IamRolePolicy(this, 'exporter-policy', {
      role: role.name,
      name: 'export',
      policy: toJson(exporterRolePolicy(s, dataset)),
    });
    const logs = new CloudwatchLogGroup(this, 'exporter-logs', {
      name: exporterLogGroup(dataset.name),
      retentionInDays: settings.logRetentionDays,
    });

    const failed = new SqsQueue(this, 'failed-exports', {
      name: deadLetterQueueName(dataset.name),
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
    new SqsQueuePolicy(this, 'failed-exports-policy', {
      queueUrl: failed.url,
      policy: toJson(deadLetterQueuePolicy(s, dataset.name)),
    });

    const fn = new LambdaFunction(this, 'exporter', {
      functionName: name,
      description: `Moves objects written under s3://${s.exportBucket}/${exportPrefix(dataset.name)} to s3://${dataset.bucket}`,
      role: role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      s3Bucket: artifactBucketName(s),
      s3Key: artifactKey(artifact.sha256Hex),
      sourceCodeHash: artifact.sha256Base64,
      memorySize: settings.lambdaMemoryMb,
      timeout: settings.lambdaTimeoutSeconds,
      environment: {
        variables: {
          DATASET: dataset.name,
          TARGET_BUCKET: dataset.bucket,
          // Sent with every request as the expected owner: S3 refuses a bucket of that name in any other account.
          TARGET_BUCKET_OWNER: dataset.bucket_owner,
          PLATFORM_ACCOUNT: s.account,
          LEDGER_BUCKET: ledgerBucketName(s),
          KEEP_FILES: String(dataset.keep_files),
          TRANSFER_MODE: dataset.transfer,
          // Quoted in its error messages: the statement a receiver must add names this role.
          EXPORTER_PRINCIPAL: exporterRoleArn(s, dataset.name),
          ...(dataset.kms_key_arn !== undefined && { TARGET_KMS_KEY_ARN: dataset.kms_key_arn }),
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      loggingConfig: { logFormat: 'Text', logGroup: logs.name },
      dependsOn: [rolePolicy, logs],
    });
    // EventBridge invokes asynchronously: function errors are retried here, then the event goes to the queue.
    new LambdaFunctionEventInvokeConfig(this, 'exporter-retries', {
      functionName: fn.functionName,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 6 * 3600,
      destinationConfig: { onFailure: { destination: failed.arn } },
    });

    const progress = continuationPrefix(dataset.name);
    const rule = new CloudwatchEventRule(this, 'object-created', {
      name,
      description: `Objects created under s3://${s.exportBucket}/${exportPrefix(dataset.name)}`,
      eventPattern: JSON.stringify({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [s.exportBucket] },
          // The trailing slash keeps dataset `proj` from receiving `proj_2/…`. A transfer too long for one invocation
          // writes its progress under the continuation prefix, and that write invokes the next one.
          object: { key: [{ prefix: exportPrefix(dataset.name) }, { prefix: progress }] },
        },
      }),
    });
    // EventBridge's own retries cover failed delivery to Lambda; what it cannot deliver goes to the same queue.
    new CloudwatchEventTarget(this, 'object-created-target', {
      rule: rule.name,
      arn: fn.arn,
      retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 3600 },
      deadLetterConfig: { arn: failed.arn },
    });
    new LambdaPermission(this, 'object-created-invoke', {
      functionName: fn.functionName,
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    });

    const alarm = (id: string, props: { namespace: string; metricName: string; dimensions: Record<string, string>; statistic: string; description: string }) =>
      new CloudwatchMetricAlarm(this, `alarm-${id}`, {
        alarmName: `${name}-${id}`,
        alarmDescription: props.description,
        namespace: props.namespace,
        metricName: props.metricName,
        dimensions: props.dimensions,
        statistic: props.statistic,
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [alarmTopicArn(s)],
        okActions: [alarmTopicArn(s)],
      });
    alarm('failed-exports', {
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: failed.name },
      statistic: 'Maximum',
      description: `Exports of ${dataset.name} failed after retries; their events wait in ${deadLetterQueueName(dataset.name)}`,
    });
    alarm('errors', {
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: fn.functionName },
      statistic: 'Sum',
      description: `The exporter of ${dataset.name} failed (it retries; see its log group)`,
    });

    for (const user of dataset.users) {
      new IamRolePolicy(this, `user-${user}`, {
        role: user,
        name: userPolicyName('push', dataset.name),
        policy: toJson(pushUserPolicy(s, dataset)),
      });
    }
  }
}
