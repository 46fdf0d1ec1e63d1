import { bucketArn, exportPrefix } from '../../naming';

/**
 * The S3 actions the exporter performs, from one place: the stacks grant them, `describe` prints the receiver's
 * statement, and the exporter's own errors quote it. Changing a list here changes what receivers must allow.
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
 * On `arn:aws:s3:::<export bucket>/<dataset>/*`. Every read names a version (HeadObject, CopyObject/UploadPartCopy
 * source, GetObject for streaming), which S3 authorises as GetObjectVersion; GetObject covers the reads of the current
 * version that find out whether the event's version is still the newest.
 */
export const SOURCE_OBJECT_ACTIONS: readonly string[] = Object.freeze(['s3:GetObject', 's3:GetObjectVersion']);

/** On the same prefix, only when the dataset moves (not `keep_files`): the verified version is deleted by id. */
export const SOURCE_DELETE_ACTIONS: readonly string[] = Object.freeze(['s3:DeleteObjectVersion']);

/**
 * On the export bucket itself (condition `s3:prefix` = `<dataset>/*`). Without it S3 answers 403 instead of 404 for
 * a version that is gone, and the exporter could not tell "already moved" from "not allowed".
 */
export const SOURCE_BUCKET_ACTIONS: readonly string[] = Object.freeze(['s3:ListBucket']);

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal: { readonly AWS: string };
  readonly Action: readonly string[];
  readonly Resource: string;
}

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
