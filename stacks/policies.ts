import type { PullDataset, PushDataset } from '../config/datasets';
import {
  alarmTopicArn,
  bucketArn,
  handoverPrefix,
  deadLetterQueueArn,
  eventRuleArn,
  exportPrefix,
  exporterLogGroup,
  ledgerBucketName,
  ledgerPrefix,
  pullBucketName,
  receiptPrefix,
  LEDGER_ACTIONS,
  HANDOVER_ACTIONS,
  PULL_LIST_ACTIONS,
  PULL_READ_ACTIONS,
  PULL_READ_VERSIONS_ACTIONS,
  PULL_WRITE_ACTIONS,
  RECEIPT_READ_ACTIONS,
  RECEIPT_WRITE_ACTIONS,
  SOURCE_BUCKET_ACTIONS,
  SOURCE_DELETE_ACTIONS,
  SOURCE_OBJECT_ACTIONS,
  TARGET_ACTIONS,
  TARGET_BUCKET_ACTIONS,
  TARGET_KEY_ACTIONS,
  policy,
  tlsOnly,
  viaS3,
  type PlatformSettings,
  type PolicyDocument,
  type Statement,
} from '../naming';

/**
 * Every permission the stacks grant, as pure functions of validated datasets and settings. Resources are always the
 * narrowest derived name: an object prefix ends with `/` so dataset `proj` never reaches `proj_2/…`.
 */

export const serviceTrust = (service: string): PolicyDocument =>
  policy({ Sid: 'AssumedByService', Effect: 'Allow', Principal: { Service: service }, Action: ['sts:AssumeRole'] });

/**
 * The exporter role of a push dataset: read (and, when moving, delete) its prefix; keep a long copy's handover; write
 * its receipts; keep its ledger records; write its target (with the receiver's KMS key when it has one); log; fail.
 * The statements keep their order: the policy's JSON, and so the plan, changes only where a grant does.
 */
export function exporterRolePolicy(s: PlatformSettings, d: PushDataset): PolicyDocument {
  return policy(
    ...exportBucketStatements(s, d),
    ...ledgerStatements(s, d),
    ...targetStatements(d),
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `arn:aws:logs:${s.region}:${s.account}:log-group:${exporterLogGroup(d.name)}:*`,
    },
    { Sid: 'SendFailedEvents', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: deadLetterQueueArn(s, d.name) },
  );
}

/** On the export bucket: the dataset's uploads, its handovers and its receipts, each under its own prefix. */
function exportBucketStatements(s: PlatformSettings, d: PushDataset): (Statement | false)[] {
  const source = bucketArn(s.exportBucket);
  const prefix = exportPrefix(d.name);
  const handovers = handoverPrefix(d.name);
  return [
    { Sid: 'ReadOwnPrefix', Effect: 'Allow', Action: SOURCE_OBJECT_ACTIONS, Resource: `${source}/${prefix}*` },
    !d.keep_files && {
      Sid: 'DeleteExportedVersions',
      Effect: 'Allow',
      Action: SOURCE_DELETE_ACTIONS,
      Resource: `${source}/${prefix}*`,
    },
    {
      Sid: 'ListOwnPrefix',
      Effect: 'Allow',
      Action: SOURCE_BUCKET_ACTIONS,
      Resource: source,
      Condition: { StringLike: { 's3:prefix': [`${prefix}*`, `${handovers}*`] } },
    },
    { Sid: 'KeepHandovers', Effect: 'Allow', Action: HANDOVER_ACTIONS, Resource: `${source}/${handovers}*` },
    {
      Sid: 'WriteReceipts',
      Effect: 'Allow',
      Action: RECEIPT_WRITE_ACTIONS,
      Resource: `${source}/${receiptPrefix(d.name)}*`,
    },
  ];
}

/** On the ledger bucket: the dataset's own records only. */
function ledgerStatements(s: PlatformSettings, d: PushDataset): Statement[] {
  const ledger = bucketArn(ledgerBucketName(s));
  return [
    { Sid: 'KeepLedger', Effect: 'Allow', Action: LEDGER_ACTIONS, Resource: `${ledger}/${ledgerPrefix(d.name)}*` },
    {
      Sid: 'ListOwnLedger',
      Effect: 'Allow',
      Action: SOURCE_BUCKET_ACTIONS,
      Resource: ledger,
      Condition: { StringLike: { 's3:prefix': [`${ledgerPrefix(d.name)}*`] } },
    },
  ];
}

/**
 * In the receiving account, pinned to it: a bucket of that name in any other account (names are reused once
 * deleted), ours included, is out of reach. The rules refuse bucket_owner = the platform's account.
 */
function targetStatements(d: PushDataset): (Statement | false)[] {
  const approved = { StringEquals: { 's3:ResourceAccount': d.bucket_owner } };
  return [
    {
      Sid: 'WriteTarget',
      Effect: 'Allow',
      Action: TARGET_ACTIONS,
      // Only under `<name>/`: the exporter keeps the source key, and datasets may share a receiving bucket.
      Resource: `${bucketArn(d.bucket)}/${exportPrefix(d.name)}*`,
      // Their bucket policy must consent too.
      Condition: approved,
    },
    { Sid: 'CleanUpTarget', Effect: 'Allow', Action: TARGET_BUCKET_ACTIONS, Resource: bucketArn(d.bucket), Condition: approved },
    d.kms_key_arn !== undefined && {
      Sid: 'EncryptWithTargetKey',
      Effect: 'Allow',
      Action: TARGET_KEY_ACTIONS,
      // Pinned by the ARN itself, which names its account: the rules require that to be bucket_owner (a key ARN,
      // unlike a bucket name, cannot pass to another account).
      Resource: d.kms_key_arn,
      Condition: viaS3(d.kms_key_arn),
    },
  ];
}

/**
 * What a push dataset's user may do: upload under the dataset's prefix (not while it is paused) and see what is
 * waiting there; read the dataset's receipts (what happened to each upload) and list them. Receipts are only read: the export bucket's
 * policy lets nobody but the exporters write them, and nobody delete them.
 */
export function pushUserPolicy(s: PlatformSettings, d: PushDataset): PolicyDocument {
  const bucket = bucketArn(s.exportBucket);
  const prefix = exportPrefix(d.name);
  const receipts = receiptPrefix(d.name);
  return policy(
    d.paused === undefined && {
      Sid: 'UploadToDatasetPrefix',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: `${bucket}/${prefix}*`,
    },
    {
      Sid: 'ListDatasetPrefix',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: bucket,
      Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
    },
    { Sid: 'ReadDatasetReceipts', Effect: 'Allow', Action: RECEIPT_READ_ACTIONS, Resource: `${bucket}/${receipts}*` },
    {
      Sid: 'ListDatasetReceipts',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: bucket,
      // With the slash, as the upload prefix: `proj` never lists `export-receipts/proj_2/`.
      Condition: { StringLike: { 's3:prefix': [receipts, `${receipts}*`] } },
    },
  );
}

/**
 * A pull bucket's policy: TLS only; the listed external roles read, and write only with `allow_push`; while the
 * dataset is paused they get nothing (the bucket, its data and the platform users' access stay).
 */
export function pullBucketPolicy(s: PlatformSettings, d: PullDataset): PolicyDocument {
  const bucket = bucketArn(pullBucketName(s, d.name));
  const readers = { AWS: d.pull_arns };
  const open = d.paused === undefined;
  return policy(
    ...tlsOnly(bucket),
    open && {
      Sid: 'ExternalRead',
      Effect: 'Allow',
      Principal: readers,
      Action: [...PULL_READ_ACTIONS, ...(d.bucket_versioning ? PULL_READ_VERSIONS_ACTIONS : [])],
      Resource: `${bucket}/*`,
    },
    open && { Sid: 'ExternalList', Effect: 'Allow', Principal: readers, Action: PULL_LIST_ACTIONS, Resource: bucket },
    open && d.allow_push && { Sid: 'ExternalWrite', Effect: 'Allow', Principal: readers, Action: PULL_WRITE_ACTIONS, Resource: `${bucket}/*` },
  );
}

/**
 * The identity policy each role in `pull_arns` needs in its own account: cross-account access needs the role's own
 * policy as well as our bucket policy. It asks for exactly what `pullBucketPolicy` grants, from the same constants,
 * and only on our bucket in our account (`s3:ResourceAccount`: a bucket of the same name elsewhere is never reached).
 * No KMS statement: pull buckets are encrypted with S3-managed keys (SSE-S3, AES256; see secure-bucket.ts).
 * No TLS statement either: the bucket policy already refuses plain HTTP.
 */
export function pullReaderPolicy(s: PlatformSettings, d: PullDataset): PolicyDocument {
  const bucket = bucketArn(pullBucketName(s, d.name));
  const ours = { StringEquals: { 's3:ResourceAccount': s.account } };
  return policy(
    { Sid: 'ListHubExportsBucket', Effect: 'Allow', Action: PULL_LIST_ACTIONS, Resource: bucket, Condition: ours },
    {
      Sid: 'ReadHubExportsObjects',
      Effect: 'Allow',
      Action: [...PULL_READ_ACTIONS, ...(d.bucket_versioning ? PULL_READ_VERSIONS_ACTIONS : [])],
      Resource: `${bucket}/*`,
      Condition: ours,
    },
    d.allow_push && {
      Sid: 'WriteHubExportsObjects',
      Effect: 'Allow',
      Action: PULL_WRITE_ACTIONS,
      Resource: `${bucket}/*`,
      Condition: ours,
    },
  );
}

/** A pull dataset's platform user: read, write and list the dataset's bucket. */
export function pullUserPolicy(s: PlatformSettings, d: PullDataset): PolicyDocument {
  const bucket = bucketArn(pullBucketName(s, d.name));
  return policy(
    {
      Sid: 'ReadWriteBucket',
      Effect: 'Allow',
      Action: [...PULL_READ_ACTIONS, ...(d.bucket_versioning ? PULL_READ_VERSIONS_ACTIONS : []), ...PULL_WRITE_ACTIONS],
      Resource: `${bucket}/*`,
    },
    { Sid: 'ListBucket', Effect: 'Allow', Action: PULL_LIST_ACTIONS, Resource: bucket },
  );
}

/** The dead-letter queue accepts events only from its own EventBridge rule (failed deliveries), over TLS. */
export function deadLetterQueuePolicy(s: PlatformSettings, dataset: string): PolicyDocument {
  const queueArn = deadLetterQueueArn(s, dataset);
  return policy(
    {
      Sid: 'FailedDeliveriesFromOwnRule',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['sqs:SendMessage'],
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': eventRuleArn(s, dataset) } },
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: ['sqs:*'],
      Resource: queueArn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  );
}

/** CloudWatch alarms of this account may publish to the alarm topic. */
export function alarmTopicPolicy(s: PlatformSettings): PolicyDocument {
  return policy({
    Sid: 'AlarmsOfThisAccount',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['sns:Publish'],
    Resource: alarmTopicArn(s),
    Condition: { StringEquals: { 'aws:SourceAccount': s.account } },
  });
}

