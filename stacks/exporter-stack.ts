import { AssetType, TerraformAsset } from 'cdktf';
import type { Construct } from 'constructs';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { alarmTopicName, artifactBucketName, artifactKey, stackIds } from '../naming';
import type { Settings } from '../settings';
import { PlatformStack } from './platform-stack';
import { alarmTopicPolicy, artifactBucketPolicy, exportBucketPolicy } from './policies';
import { toJson } from './policy-document';
import { SecureBucket } from './secure-bucket';
import type { ExporterArtifact } from './push-dataset-stack';

/**
 * What every push dataset shares, and nothing that names a dataset, so adding a dataset never changes this stack:
 * the export bucket (versioned, events to EventBridge), the exporter's code, and the alarm topic.
 */
export class ExporterStack extends PlatformStack {
  constructor(scope: Construct, settings: Settings, artifact: ExporterArtifact) {
    super(scope, stackIds.exporter, settings);
    const s = settings.platform;
    const lifecycle = {
      abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
      noncurrentVersionDays: settings.noncurrentVersionDays,
    };

    // Versioned so the exporter deletes exactly the version it copied, never a newer upload at the same key.
    const exports = new SecureBucket(this, 'export-bucket', {
      name: s.exportBucket,
      policy: exportBucketPolicy(s),
      versioned: true,
      ...lifecycle,
    });
    // One notification configuration per bucket: send everything to EventBridge, where each dataset has its own rule.
    new S3BucketNotification(this, 'export-bucket-events', { bucket: exports.bucket.id, eventbridge: true });

    const code = new SecureBucket(this, 'code-bucket', {
      name: artifactBucketName(s),
      policy: artifactBucketPolicy(s),
      versioned: false,
      ...lifecycle,
    });
    const asset = new TerraformAsset(this, 'exporter-zip', { path: artifact.zipPath, type: AssetType.FILE });
    new S3Object(this, 'exporter-code', {
      bucket: code.bucket.id,
      key: artifactKey(artifact.sha256Hex),
      source: asset.path,
      sourceHash: artifact.sha256Hex,
    });

    // Not KMS-encrypted: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, and alarm
    // notifications carry metric names, not data.
    const topic = new SnsTopic(this, 'alarm-topic', { name: alarmTopicName(s) });
    new SnsTopicPolicy(this, 'alarm-topic-policy', { arn: topic.arn, policy: toJson(alarmTopicPolicy(s)) });
  }
}
