import type { ChecksumAlgorithm, ChecksumType, ObjectCannedACL } from '@aws-sdk/client-s3';
import {
  FULL_OBJECT_MULTIPART_ALGORITHMS,
  type ContentHeaders,
  type ObjectFacts,
  expectOwner,
  type OwnedBucket,
} from '../object';

/**
 * Sent with every write to the target. Accepted by ACL-enabled and BucketOwnerEnforced buckets alike; it lets the
 * receiving account own (or at least fully control) what we write. No encryption header is ever sent, so the
 * receiver's default bucket encryption (their KMS key, when they use one) applies.
 */
export const TARGET_ACL: ObjectCannedACL = 'bucket-owner-full-control';

/** The object to write, in the receiving bucket, and the approved account that must own that bucket. */
export interface TargetLocation extends OwnedBucket {
  readonly key: string;
}

/** The upload being written to the target, as every part, completion and abort names it (owner included). */
export interface TargetUpload {
  readonly Bucket: string;
  readonly Key: string;
  readonly UploadId: string;
  readonly ExpectedBucketOwner: string;
}

export const targetUpload = (target: TargetLocation, uploadId: string): TargetUpload => ({
  Bucket: target.bucket,
  Key: target.key,
  UploadId: uploadId,
  ...expectOwner(target.owner),
});

/** The header `x-amz-copy-source` for the exact version: URL-encoded key, slashes kept. */
export function copySource(source: Pick<ObjectFacts, 'bucket' | 'key' | 'versionId'>): string {
  const key = encodeURIComponent(source.key).replace(/%2F/g, '/');
  const version = source.versionId ? `?versionId=${encodeURIComponent(source.versionId)}` : '';
  return `${source.bucket}/${key}${version}`;
}

/**
 * When a transfer writes the object in parts, S3 can still give the target a full-object checksum of the source's
 * algorithm if asked to at creation; only the CRCs compose like that. Verification then compares like with like.
 */
export function multipartChecksum(source: ObjectFacts): {
  ChecksumAlgorithm?: ChecksumAlgorithm;
  ChecksumType?: ChecksumType;
} {
  const c = source.checksum;
  if (!c?.fullObject || !FULL_OBJECT_MULTIPART_ALGORITHMS.includes(c.algorithm)) return {};
  return { ChecksumAlgorithm: c.algorithm as ChecksumAlgorithm, ChecksumType: 'FULL_OBJECT' };
}

/**
 * What a write that does not copy metadata server-side (multipart, streaming) must set to match the source, and the
 * account the target bucket must belong to. lib-storage's `Upload` spreads these params into its PutObject,
 * CreateMultipartUpload, UploadPart and CompleteMultipartUpload (see stream.ts for its AbortMultipartUpload).
 */
export function writeParams(
  source: ObjectFacts,
  target: TargetLocation,
): ContentHeaders & {
  Bucket: string;
  Key: string;
  ACL: ObjectCannedACL;
  ExpectedBucketOwner: string;
} {
  return { Bucket: target.bucket, Key: target.key, ACL: TARGET_ACL, ...source.headers, ...expectOwner(target.owner) };
}
