import type { PushDataset } from '../config/datasets';
import { exportPrefix } from '../naming';

/**
 * What the receiving bucket's owner must know beyond the statements to paste: the encryption their bucket must use
 * and the Deny that would refuse every export, and the lifecycle rule that cleans what the exporter could not.
 */

/**
 * The exporter's writes (CopyObject, CreateMultipartUpload, PutObject) carry no encryption header
 * (functions/exporter/transfer/requests.ts), so S3 encrypts each object with the receiving bucket's default
 * encryption, and a bucket policy that demands a header refuses them.
 */
export interface ReceiverEncryption {
  /** The encryption headers the exporter sends with its writes: none. */
  readonly headersSent: readonly string[];
  /**
   * The receiving bucket's default encryption that exports need, as `aws s3api put-bucket-encryption` names it:
   * SSE-S3 without `kms_key_arn` (the exporter role may use no KMS key then), SSE-KMS with that key with it.
   */
  readonly bucketDefault:
    { readonly SSEAlgorithm: 'AES256' } | { readonly SSEAlgorithm: 'aws:kms'; readonly KMSMasterKeyID: string };
  /**
   * The condition keys of those headers. A Deny in the bucket policy that a request without them meets (a `Null`
   * condition "true", `StringNotEquals` or `StringNotEqualsIfExists` on one) refuses every export; with
   * `"Null": {"<that key>": "false"}` added to its Condition it tests only writes that send the header.
   */
  readonly headerConditionKeys: readonly string[];
  /** Added to the Condition of such a Deny instead, it leaves the exporter role out and holds everyone else to it. */
  readonly exemptExporterRole: { readonly ArnNotEquals: { readonly 'aws:PrincipalArn': string } };
}

/** The rule of `aws s3api put-bucket-lifecycle-configuration` that aborts incomplete multipart uploads. */
export interface AbortIncompleteUploadsRule {
  readonly ID: string;
  readonly Status: 'Enabled';
  readonly Filter: { readonly Prefix: string };
  readonly AbortIncompleteMultipartUpload: { readonly DaysAfterInitiation: number };
}

/**
 * The exporter aborts the multipart upload of a failed transfer, and with the clean-up statement those an interrupted
 * export left at the key; an upload it could not abort stays in the receiving bucket, billed to its owner, who alone
 * can remove it. Their lifecycle rule does.
 */
export interface ReceiverLifecycle {
  /** After this many days an incomplete upload under `<name>/` is aborted: the platform's own buckets' setting. */
  readonly abortIncompleteUploadDays: number;
  /** `lifecycle.json` for a bucket without lifecycle rules; a bucket with rules adds `Rules[0]` to its own. */
  readonly configuration: { readonly Rules: readonly AbortIncompleteUploadsRule[] };
  /** get-bucket-lifecycle-configuration (put replaces every rule the bucket has), then the put. */
  readonly commands: readonly string[];
}

export function receiverEncryptionOf(d: PushDataset, role: string): ReceiverEncryption {
  return {
    headersSent: [],
    bucketDefault:
      d.kms_key_arn === undefined
        ? { SSEAlgorithm: 'AES256' }
        : { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: d.kms_key_arn },
    headerConditionKeys: ['s3:x-amz-server-side-encryption', 's3:x-amz-server-side-encryption-aws-kms-key-id'],
    // aws:PrincipalArn of a role's session is the role's ARN, path included: exactly exporterRoleArn.
    exemptExporterRole: { ArnNotEquals: { 'aws:PrincipalArn': role } },
  };
}

export function receiverLifecycleOf(d: PushDataset, days: number): ReceiverLifecycle {
  return {
    abortIncompleteUploadDays: days,
    configuration: {
      Rules: [
        {
          ID: `hub-exports-${d.name}-abort-incomplete-uploads`,
          Status: 'Enabled',
          // Only where the exporter writes: the receiver's own uploads elsewhere are theirs to decide about.
          Filter: { Prefix: exportPrefix(d.name) },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: days },
        },
      ],
    },
    commands: [
      `aws s3api get-bucket-lifecycle-configuration --bucket ${d.bucket}`,
      `aws s3api put-bucket-lifecycle-configuration --bucket ${d.bucket} --lifecycle-configuration file://lifecycle.json`,
    ],
  };
}

/**
 * What the receiving bucket's encryption must be, and the Deny that would refuse every export: the condition keys of
 * the encryption headers are absent from the exporter's requests, and a Null "true" or negated test of an absent key
 * is true.
 */
export function encryptionText(e: ReceiverEncryption, file: string): string[] {
  const bucketDefault =
    e.bucketDefault.SSEAlgorithm === 'aws:kms'
      ? [
          'default encryption, which must be SSE-KMS with the key above (kms_key_arn); with any other key every write is refused.',
        ]
      : [
          'default encryption, which must be SSE-S3 (AES256): the exporter role may use no KMS key for this dataset, so',
          "while the bucket encrypts with a KMS key by default every write is refused. To use a key of the receiver's own",
          `(not the AWS managed aws/s3, which serves no other account), name it as kms_key_arn in ${file}.`,
        ];
  return [
    "Encryption. The exporter sends no encryption header with its writes: S3 encrypts each file with the bucket's",
    ...bucketDefault,
    'A Deny in the bucket policy refuses every export if a request without an encryption header meets its condition,',
    'as a Null condition "true", StringNotEquals or StringNotEqualsIfExists on either of these keys does:',
    '',
    ...e.headerConditionKeys.map((k) => `  ${k}`),
    '',
    'To keep such a Deny, add "Null": {"<that key>": "false"} to its Condition, so that it tests only writes that send',
    'the header, or leave the exporter role out of it by adding this to its Condition:',
    '',
    `  "ArnNotEquals": {"aws:PrincipalArn": ${JSON.stringify(e.exemptExporterRole.ArnNotEquals['aws:PrincipalArn'])}}`,
    '',
  ];
}

/** The receiver's lifecycle rule: the only clean-up of an upload the exporter could not abort. */
export function lifecycleText(l: ReceiverLifecycle, dataset: string): string[] {
  return [
    'Incomplete uploads. Large files are written in parts (multipart uploads). The exporter aborts the upload of a',
    'transfer that fails and, with the second statement, those an interrupted export left at the key it writes; one',
    'it could not abort stays in the bucket, billed to its owner, who alone can remove it. The owner adds this',
    `lifecycle rule, unless one already aborts incomplete multipart uploads in the whole bucket or under ${exportPrefix(dataset)}.`,
    `It aborts them ${l.abortIncompleteUploadDays} days after they began, as the platform's own buckets do.`,
    'put-bucket-lifecycle-configuration replaces every rule of the bucket, so print them first; if there are any, add',
    'this rule to their "Rules" list in lifecycle.json.',
    '',
    ...l.commands.map((c) => `  ${c}`),
    '',
    JSON.stringify(l.configuration, null, 2),
    '',
  ];
}
