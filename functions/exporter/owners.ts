/**
 * Which account each request's bucket must belong to, in one place (issue 12: deliver only into the account that was
 * approved). Bucket names are global and reused after deletion: a receiver's bucket deleted and its name taken in
 * another account must not receive an export, and neither may an export bucket or ledger of the same name elsewhere.
 * S3 refuses, with 403 AccessDenied, any request whose `ExpectedBucketOwner` (header `x-amz-expected-bucket-owner`)
 * is not the account owning the bucket, and any copy whose `ExpectedSourceBucketOwner` (header
 * `x-amz-source-expected-bucket-owner`) is not the account owning the source bucket.
 *
 * Every command the exporter sends spreads one of these; `__tests__/exporter/bucket-owner.s3.test.ts` records the
 * requests on the wire and checks that each carries the right account.
 */

/** Where a bucket is and which account must own it. */
export interface OwnedBucket {
  readonly bucket: string;
  /** The 12-digit account that must own `bucket` (TARGET_BUCKET_OWNER or PLATFORM_ACCOUNT). */
  readonly owner: string;
}

/** For any request to a bucket that `owner` must own. */
export const expectOwner = (owner: string): { ExpectedBucketOwner: string } => ({ ExpectedBucketOwner: owner });

/**
 * For CopyObject and UploadPartCopy: the target bucket must be `target.owner`'s, the copy source (the export bucket)
 * `sourceOwner`'s.
 */
export const copyOwners = (
  target: Pick<OwnedBucket, 'owner'>,
  sourceOwner: string,
): { ExpectedBucketOwner: string; ExpectedSourceBucketOwner: string } => ({
  ExpectedBucketOwner: target.owner,
  ExpectedSourceBucketOwner: sourceOwner,
});
