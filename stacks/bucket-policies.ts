import {
  anyExporterRoleArn,
  artifactBucketName,
  auditResultsBucketName,
  bucketArn,
  ledgerBucketName,
  policy,
  RECEIPT_CHANGE_ACTIONS,
  RECEIPT_WRITE_ACTIONS,
  RECEIPTS_ROOT,
  tlsOnly,
  type PlatformSettings,
  type PolicyDocument,
} from '../naming';

/**
 * The bucket policies of the exporter stack's buckets, as pure functions of the settings. Every one refuses plain
 * HTTP and old TLS; access itself comes from identity policies (policies.ts), except what the export bucket's policy
 * refuses everyone: changing a receipt.
 */

/**
 * The export bucket: TLS only, and receipts are a record that nobody changes. Access comes from identity policies on
 * users' roles and exporter roles; these Denies also hold for a principal whose own policy allows everything (an
 * administrator, the deploy pipeline). A lifecycle expiry is not a request by a principal: receipts still expire.
 */
export function exportBucketPolicy(s: PlatformSettings): PolicyDocument {
  const bucket = bucketArn(s.exportBucket);
  const receipts = `${bucket}/${RECEIPTS_ROOT}*`;
  return policy(
    ...tlsOnly(bucket),
    {
      Sid: 'DenyChangingReceipts',
      Effect: 'Deny',
      Principal: '*',
      Action: RECEIPT_CHANGE_ACTIONS,
      Resource: receipts,
    },
    {
      Sid: 'DenyReceiptWritesButExporters',
      Effect: 'Deny',
      Principal: '*',
      Action: RECEIPT_WRITE_ACTIONS,
      Resource: receipts,
      // A request without a principal ARN (anonymous, a service) has no match either: it is refused too.
      Condition: { ArnNotLike: { 'aws:PrincipalArn': anyExporterRoleArn(s) } },
    },
    {
      // Create only: a receipt, once written, is never replaced, not even by an exporter. Receipts are single
      // PutObjects; the parts of a multipart upload cannot carry If-None-Match, so none can be written here.
      Sid: 'DenyReplacingReceipts',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:PutObject'],
      Resource: receipts,
      Condition: { Null: { 's3:if-none-match': 'true' } },
    },
  );
}

/** The ledger bucket: TLS only. Each exporter role reaches its own dataset's prefix through its identity policy. */
export const ledgerBucketPolicy = (s: PlatformSettings): PolicyDocument =>
  policy(...tlsOnly(bucketArn(ledgerBucketName(s))));

/** The exporter code bucket: TLS only; Lambda reads it with the deployer's credentials at deploy time. */
export const artifactBucketPolicy = (s: PlatformSettings): PolicyDocument =>
  policy(...tlsOnly(bucketArn(artifactBucketName(s))));

/** The audit workgroup's query results: TLS only. Reviewers reach it through their own roles (docs/audit.md). */
export const auditResultsBucketPolicy = (s: PlatformSettings): PolicyDocument =>
  policy(...tlsOnly(bucketArn(auditResultsBucketName(s))));
