import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import type { PushDataset } from '../config/datasets';
import type { LambdaArtifact } from '../packaging/lambda-bundle';
import {
  artifactBucketName,
  artifactKey,
  exporterLogGroup,
  exporterName,
  exporterRoleArn,
  exportPrefix,
  ledgerBucketName,
  toJson,
} from '../naming';
import type { Settings } from '../settings';
import { keepAddress } from './addresses';
import { failureAlarm } from './failed-exports';
import { exporterRolePolicy, serviceTrust } from './policies';

export interface ExporterFunctionProps {
  readonly settings: Settings;
  readonly dataset: PushDataset;
  /** The exporter's code as built at synth time; its S3 location is derived from the hash. */
  readonly artifact: LambdaArtifact;
  /** Where Lambda sends an event once its retries are spent. */
  readonly failedExportsArn: string;
  /**
   * Asynchronous retries of a failed invocation before the event goes to `failedExportsArn`.
   * @default 2 (Lambda's maximum)
   */
  readonly retryAttempts?: number;
  /**
   * How long Lambda keeps an event it could not yet run.
   * @default 6 hours (Lambda's maximum)
   */
  readonly maxEventAgeSeconds?: number;
}

/**
 * A push dataset's exporter: its role (whose ARN receivers name in their bucket policies), the role's policy, its
 * log group, the function with its environment, how Lambda retries it, and the alarm on its errors.
 */
export class ExporterFunction extends Construct {
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: ExporterFunctionProps) {
    super(scope, id);
    const { settings, dataset, artifact } = props;
    const s = settings.platform;
    const name = exporterName(dataset.name);

    // Its ARN depends on the name only, never on keep_files: receivers' policies keep working.
    const role = keepAddress(new IamRole(this, 'exporter-role', {
      name,
      path: s.rolePath,
      assumeRolePolicy: toJson(serviceTrust('lambda.amazonaws.com')),
    }));
    const rolePolicy = keepAddress(new IamRolePolicy(this, 'exporter-policy', {
      role: role.name,
      name: 'export',
      policy: toJson(exporterRolePolicy(s, dataset)),
    }));
    const logs = keepAddress(new CloudwatchLogGroup(this, 'exporter-logs', {
      name: exporterLogGroup(dataset.name),
      retentionInDays: settings.logRetentionDays,
    }));

    this.fn = keepAddress(new LambdaFunction(this, 'exporter', {
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
      // Paused: no invocation runs. Lambda keeps the events it cannot run (6 hours), then the dead-letter queue does:
      // nothing is lost, and a redrive after the pause exports them (docs/exporter.md, "Running failed exports again").
      ...(dataset.paused !== undefined && { reservedConcurrentExecutions: 0 }),
      environment: {
        variables: {
          DATASET: dataset.name,
          TARGET_BUCKET: dataset.bucket,
          // Sent with every request as the expected owner: S3 refuses a bucket of that name in any other account.
          TARGET_BUCKET_OWNER: dataset.bucket_owner,
          PLATFORM_ACCOUNT: s.account,
          LEDGER_BUCKET: ledgerBucketName(s),
          // Written into every receipt: what allows the transfer.
          PAPERWORK: dataset.paperwork,
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
    }));
    // EventBridge invokes asynchronously: function errors are retried here, then the event goes to the queue.
    keepAddress(new LambdaFunctionEventInvokeConfig(this, 'exporter-retries', {
      functionName: this.fn.functionName,
      maximumRetryAttempts: props.retryAttempts ?? 2,
      maximumEventAgeInSeconds: props.maxEventAgeSeconds ?? 6 * 3600,
      destinationConfig: { onFailure: { destination: props.failedExportsArn } },
    }));
    failureAlarm(this, 'errors', {
      settings: s,
      dataset: dataset.name,
      metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: this.fn.functionName }, statistic: 'Sum' },
      description: `The exporter of ${dataset.name} failed (it retries; see its log group)`,
    });
  }
}
