import { bucketArn, exportPrefix } from './names';
import type { Statement } from './policy-document';

/**
 * The actions granted, from one place: the stacks grant them, `describe` prints the receiver's statements and the
 * pull readers' identity policy, and the exporter's own errors quote them. Changing a list here changes what
 * receivers and readers must allow.
 */

/**
 * On the receiving bucket's objects. PutObject covers CopyObject, CreateMultipartUpload, UploadPart, UploadPartCopy
 * and CompleteMultipartUpload; PutObjectAcl the `bucket-owner-full-control` ACL sent with every write; GetObject the
 * HeadObject that verifies the copy before the source is deleted; AbortMultipartUpload the clean-up after a failure.
 */
export const TARGET_ACTIONS: readonly string[] = Object.freeze([
  's3:PutObject',
  's3:PutObjectAcl',
  's3:GetObject',
  's3:AbortMultipartUpload',
]);

/**
 * On the receiving bucket itself: finding the multipart uploads a failure left at a key (a lost answer to
 * CreateMultipartUpload, a function that died mid-copy) so they can be aborted. S3 offers no narrower resource or
 * prefix condition for it: the receiver lets the exporter see the keys of incomplete uploads in the whole bucket.
 */
export const TARGET_BUCKET_ACTIONS: readonly string[] = Object.freeze(['s3:ListBucketMultipartUploads']);

/**
 * On `arn:aws:s3:::<ledger bucket>/<dataset>/*`: the exporter's record of each key (ledger.ts), read and written
 * conditionally. ListBucket on the ledger bucket (limited to the dataset's prefix) makes a missing record a 404.
 */
export const LEDGER_ACTIONS: readonly string[] = Object.freeze(['s3:GetObject', 's3:PutObject']);

/**
 * On `arn:aws:s3:::<export bucket>/<dataset>/*`. Every read names a version (HeadObject, CopyObject/UploadPartCopy
 * source, GetObject for streaming), which S3 authorises as GetObjectVersion; GetObject covers the reads of the current
 * version that find out whether the event's version is still the newest.
 */
export const SOURCE_OBJECT_ACTIONS: readonly string[] = Object.freeze(['s3:GetObject', 's3:GetObjectVersion']);

/**
 * On `arn:aws:s3:::<export bucket>/<handoverPrefix(dataset)>*`: a multipart copy or stream too long for one
 * invocation writes its handover there, the next invocation reads that exact version, and each deletes the
 * version it started from (functions/exporter/handover.ts).
 */
export const HANDOVER_ACTIONS: readonly string[] = Object.freeze([
  's3:PutObject',
  's3:GetObject',
  's3:GetObjectVersion',
  's3:DeleteObjectVersion',
]);

/**
 * On `arn:aws:s3:::<export bucket>/<receiptPrefix(dataset)>*`: the exporter writes one receipt per outcome, each
 * only if none is there yet (If-None-Match: a retry never replaces a receipt, and the export bucket's policy refuses
 * any other write there). Nothing else: no read, no delete.
 */
export const RECEIPT_WRITE_ACTIONS: readonly string[] = Object.freeze(['s3:PutObject']);

/**
 * What nobody may do to a receipt (the export bucket's policy denies it to every principal): delete it or a version
 * of it, or change its tags. Its bytes cannot change either: a write must be a create (If-None-Match).
 */
export const RECEIPT_CHANGE_ACTIONS: readonly string[] = Object.freeze([
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectTagging',
  's3:PutObjectVersionTagging',
  's3:DeleteObjectTagging',
  's3:DeleteObjectVersionTagging',
]);

/**
 * On the same prefix, for the dataset's users: reading their dataset's receipts (with `s3:ListBucket` on the export
 * bucket for that prefix, to find them).
 */
export const RECEIPT_READ_ACTIONS: readonly string[] = Object.freeze(['s3:GetObject']);

/** On the same prefix, only when the dataset moves (not `keep_files`): the verified version is deleted by id. */
export const SOURCE_DELETE_ACTIONS: readonly string[] = Object.freeze(['s3:DeleteObjectVersion']);

/**
 * On the export bucket itself (condition `s3:prefix` = `<dataset>/*`). Without it S3 answers 403 instead of 404 for
 * a version that is gone, and the exporter could not tell "already moved" from "not allowed".
 */
export const SOURCE_BUCKET_ACTIONS: readonly string[] = Object.freeze(['s3:ListBucket']);

/**
 * On the receiver's KMS key, when its bucket encrypts with it by default (dataset field `kms_key_arn`): S3 asks KMS
 * for a data key with the writer's identity (GenerateDataKey, for every new object and multipart upload) and has it
 * decrypted to add parts and complete the upload (Decrypt). Cross-account, both our identity policy and the
 * receiver's key policy must allow it; both are limited to requests S3 makes in the key's region.
 */
export const TARGET_KEY_ACTIONS: readonly string[] = Object.freeze(['kms:GenerateDataKey', 'kms:Decrypt']);

/** The condition that limits the use of a key to S3 in the key's own region (S3 only uses keys of its region). */
export const viaS3 = (keyArn: string) => ({
  StringEquals: { 'kms:ViaService': `s3.${keyArn.split(':')[3]}.amazonaws.com` },
});

/** A statement a receiver pastes into its own bucket or key policy: it names our role as the principal. */
export type PolicyStatement = Statement & { readonly Principal: { readonly AWS: string }; readonly Resource: string };

/**
 * The statement a receiver adds to its bucket policy so that `principal` (the exporter role of `dataset`) can deliver.
 * Only under `<dataset>/`, where the exporter writes (it keeps the source key): datasets sharing a receiving bucket
 * cannot reach each other's files, and the receiver grants no more than is used.
 */
export function receiverStatement(target: { bucket: string; dataset: string; principal: string }): PolicyStatement {
  return {
    Sid: 'AllowHubExportsDelivery',
    Effect: 'Allow',
    Principal: { AWS: target.principal },
    Action: [...TARGET_ACTIONS],
    Resource: `${bucketArn(target.bucket)}/${exportPrefix(target.dataset)}*`,
  };
}

/** The second statement a receiver adds: on the bucket itself, to find and abort uploads a failure left behind. */
export function receiverCleanUpStatement(target: { bucket: string; principal: string }): PolicyStatement {
  return {
    Sid: 'AllowHubExportsCleanUp',
    Effect: 'Allow',
    Principal: { AWS: target.principal },
    Action: [...TARGET_BUCKET_ACTIONS],
    Resource: bucketArn(target.bucket),
  };
}

/** Every statement a receiver adds to its bucket policy, in the order `describe` prints them. */
export const receiverStatements = (target: { bucket: string; dataset: string; principal: string }): PolicyStatement[] => [
  receiverStatement(target),
  receiverCleanUpStatement(target),
];

/** The statement a receiver whose bucket encrypts with its own KMS key adds to that key's policy. */
export function receiverKeyStatement(target: { keyArn: string; principal: string }): PolicyStatement {
  return {
    Sid: 'AllowHubExportsEncryption',
    Effect: 'Allow',
    Principal: { AWS: target.principal },
    Action: [...TARGET_KEY_ACTIONS],
    // In a key policy, "*" is the key the policy is attached to.
    Resource: '*',
    Condition: viaS3(target.keyArn),
  };
}

/** On a pull bucket's objects: what its readers (`pull_arns`) and its platform users read. */
export const PULL_READ_ACTIONS: readonly string[] = Object.freeze(['s3:GetObject']);
/** With `bucket_versioning`: reading earlier versions too. */
export const PULL_READ_VERSIONS_ACTIONS: readonly string[] = Object.freeze(['s3:GetObjectVersion']);
/** On a pull bucket's objects: writing (its users; its readers only with `allow_push`). */
export const PULL_WRITE_ACTIONS: readonly string[] = Object.freeze([
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
]);
/** On a pull bucket itself. */
export const PULL_LIST_ACTIONS: readonly string[] = Object.freeze(['s3:ListBucket', 's3:GetBucketLocation']);
