import { AssetType, TerraformAsset } from 'cdktf';
import type { Construct } from 'constructs';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import {
  RECEIPTS_ROOT,
  alarmTopicName,
  artifactBucketName,
  artifactKey,
  ledgerBucketName,
  stackIds,
  toJson,
} from '../naming';
import type { Settings } from '../settings';
import { PlatformStack } from './platform-stack';
import { artifactBucketPolicy, exportBucketPolicy, ledgerBucketPolicy } from './bucket-policies';
import { alarmTopicPolicy } from './policies';
import { AuditTable } from './audit-table';
import { ExportsDashboard } from './exports-dashboard';
import { SecureBucket } from './secure-bucket';
import type { LambdaArtifact } from '../packaging/lambda-bundle';

/** Ledger records are removed this long after their key was last exported (see the ledger bucket below). */
export const LEDGER_RECORD_DAYS = 30;

/**
 * What every push dataset shares, and nothing that names a dataset, so adding a dataset never changes this stack:
 * the export bucket (versioned, events to EventBridge), the exporters' ledger, the exporter's code, the alarm
 * topic, the dashboard of every dataset's exports, and the audit table over every dataset's receipts.
 */
export class ExporterStack extends PlatformStack {
  constructor(scope: Construct, settings: Settings, artifact: LambdaArtifact) {
    super(scope, stackIds.exporter, settings);
    const s = settings.platform;
    const lifecycle = {
      abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
      noncurrentVersionDays: settings.noncurrentVersionDays,
    };

    // Versioned so the exporter deletes exactly the version it copied, never a newer upload at the same key.
    // Not named `exports`: compiled to CommonJS, a local of that name shadows the module's `exports`, through which
    // the emitted code reads LEDGER_RECORD_DAYS below (it read undefined, and the ledger's expiry rule vanished).
    const exportBucket = new SecureBucket(this, 'export-bucket', {
      name: s.exportBucket,
      policy: exportBucketPolicy(s),
      versioned: true,
      ...lifecycle,
      // Receipts go after their retention (a data protection decision: SECURITY.md). The bucket is versioned, so
      // expiry only makes them noncurrent; the noncurrent-version rule removes them noncurrentVersionDays later.
      expirePrefixes: [{ id: 'expire-receipts', prefix: RECEIPTS_ROOT, days: settings.receiptRetentionDays }],
    });
    // One notification configuration per bucket: send everything to EventBridge, where each dataset has its own rule.
    new S3BucketNotification(this, 'export-bucket-events', { bucket: exportBucket.bucket.id, eventbridge: true });

    // What each exporter remembers per key (which upload it delivered, who is writing): unversioned, so conditional
    // writes compare with the one current record; no events. A record outlives every event that could still come
    // for its key (Lambda keeps events 6 h, the dead-letter queue 14 days): 30 days after its last write it goes.
    new SecureBucket(this, 'ledger-bucket', {
      name: ledgerBucketName(s),
      policy: ledgerBucketPolicy(s),
      versioned: false,
      ...lifecycle,
      expireObjectsDays: LEDGER_RECORD_DAYS,
    });

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

    // Every dataset's exports and failures by metric search: adding a dataset changes nothing here.
    new ExportsDashboard(this, 'exports-dashboard', { region: s.region });

    // The Glue table and Athena workgroup over the receipts; datasets are named by each query, never here.
    new AuditTable(this, 'audit-table', { settings: s, lifecycle });
  }
}
