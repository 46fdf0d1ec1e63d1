import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';

/** Every checksum S3 may report, in the order S3 documents them. */
export const CHECKSUM_ALGORITHMS = [
  'CRC64NVME',
  'CRC32',
  'CRC32C',
  'SHA1',
  'SHA256',
  'SHA512',
  'MD5',
  'XXHASH64',
  'XXHASH3',
  'XXHASH128',
] as const;
export type ChecksumAlgorithmName = (typeof CHECKSUM_ALGORITHMS)[number];

/**
 * The checksums S3 can compute for a multipart upload as a whole (a full-object checksum) rather than as a checksum
 * of part checksums. Only these survive a multipart copy as something comparable with the source.
 */
export const FULL_OBJECT_MULTIPART_ALGORITHMS: readonly ChecksumAlgorithmName[] = ['CRC64NVME', 'CRC32', 'CRC32C'];

export interface Checksum {
  readonly algorithm: ChecksumAlgorithmName;
  readonly value: string;
  /** A checksum of the whole object's bytes, comparable across objects; a composite one (`…-N`) is not. */
  readonly fullObject: boolean;
}

/** The headers a target must carry exactly as the source does, whatever the strategy. */
export interface ContentHeaders {
  readonly ContentType?: string;
  readonly ContentEncoding?: string;
  readonly ContentDisposition?: string;
  readonly ContentLanguage?: string;
  readonly CacheControl?: string;
  readonly Expires?: Date;
  readonly Metadata?: Record<string, string>;
}
export const CONTENT_HEADER_NAMES = [
  'ContentType',
  'ContentEncoding',
  'ContentDisposition',
  'ContentLanguage',
  'CacheControl',
  'Expires',
  'Metadata',
] as const satisfies readonly (keyof ContentHeaders)[];

/** What one HeadObject says about one version of one object. */
export interface ObjectFacts {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly size: number;
  /** Without quotes; RGW leaves it empty after some multipart completions. */
  readonly etag?: string;
  readonly lastModified?: Date;
  readonly checksum?: Checksum;
  readonly headers: ContentHeaders;
}

type Head = Omit<HeadObjectCommandOutput, '$metadata'>;

export function checksumOf(
  head: Partial<Record<`Checksum${ChecksumAlgorithmName}`, string>> & Pick<Head, 'ChecksumType'>,
): Checksum | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = head[`Checksum${algorithm}`];
    if (!value) continue;
    // Objects written before S3 reported ChecksumType mark composite values with a part count suffix.
    const fullObject = head.ChecksumType ? head.ChecksumType === 'FULL_OBJECT' : !/-\d+$/.test(value);
    return { algorithm, value, fullObject };
  }
  return undefined;
}

export function factsFromHead(bucket: string, key: string, head: Head): ObjectFacts {
  const headers: Record<string, unknown> = {};
  for (const name of CONTENT_HEADER_NAMES) {
    const v = head[name];
    if (v !== undefined && !(name === 'Metadata' && Object.keys(v as object).length === 0)) headers[name] = v;
  }
  const etag = unquote(head.ETag) || undefined;
  const checksum = checksumOf(head);
  return {
    bucket,
    key,
    size: head.ContentLength ?? 0,
    headers: headers as ContentHeaders,
    ...(head.VersionId !== undefined && head.VersionId !== '' && { versionId: head.VersionId }),
    ...(etag && { etag }),
    ...(head.LastModified && { lastModified: head.LastModified }),
    ...(checksum && { checksum }),
  };
}

/** What S3 answers about an object it has just written (CopyObject's result, CompleteMultipartUpload's output). */
export interface WrittenObject {
  readonly etag?: string;
  readonly checksum?: Checksum;
  /** The new object's version, when the target bucket is versioned. */
  readonly versionId?: string;
}

/** An ETag without its quotes (S3 sends them quoted, notification events not always). */
export const unquote = (etag?: string): string | undefined => etag?.replace(/^"(.*)"$/, '$1');

export function writtenObject(
  out: Partial<Record<`Checksum${ChecksumAlgorithmName}`, string>> & Pick<Head, 'ChecksumType' | 'ETag'>,
  versionId?: string,
): WrittenObject {
  const etag = unquote(out.ETag) || undefined;
  const checksum = checksumOf(out);
  return { ...(etag && { etag }), ...(checksum && { checksum }), ...(versionId && { versionId }) };
}

export const s3Url = (o: { bucket: string; key: string; versionId?: string }): string =>
  `s3://${o.bucket}/${o.key}${o.versionId ? ` (version ${o.versionId})` : ''}`;

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

/**
 * Whether `target` holds the same bytes as `source`, as far as S3's answers can tell: sizes first, then a full-object
 * checksum both carry, then equal ETags (a copy made by CopyObject keeps the ETag). Multipart copies get new ETags,
 * so without checksums (RGW, older objects) the answer can be 'unknown'.
 */
export function compareObjects(source: ObjectFacts, target: ObjectFacts): 'same' | 'different' | 'unknown' {
  if (source.size !== target.size) return 'different';
  const s = source.checksum;
  const t = target.checksum;
  if (s?.fullObject && t?.fullObject && s.algorithm === t.algorithm) return s.value === t.value ? 'same' : 'different';
  if (source.etag && source.etag === target.etag) return 'same';
  return 'unknown';
}

/**
 * Why the target may not yet count as a verified copy of the source, or undefined when it does: the size must match,
 * and when the source carries a full-object checksum the target must carry the same algorithm's value, equal.
 */
export function verificationProblem(source: ObjectFacts, target: ObjectFacts | undefined): string | undefined {
  if (!target) return 'the target object is not there after the copy';
  if (target.size !== source.size) return `the target has ${target.size} bytes, the source ${source.size}`;
  const s = source.checksum;
  if (!s?.fullObject) return undefined;
  const t = target.checksum;
  if (!t || t.algorithm !== s.algorithm || !t.fullObject) {
    const found = t ? `a ${t.fullObject ? 'full-object' : 'composite'} ${t.algorithm}` : 'none';
    return (
      `the source has a full-object ${s.algorithm} checksum but the target ${found}, ` + 'so the copy cannot be checked'
    );
  }
  if (t.value !== s.value) return `the target's ${s.algorithm} is ${t.value}, the source's ${s.value}`;
  return undefined;
}

/** An MD5 ETag: what S3 gives an object written in one request without SSE-KMS or SSE-C. */
const isMd5Etag = (etag?: string): boolean => etag !== undefined && /^[0-9a-f]{32}$/.test(etag);

/**
 * Whether S3's answer to the write alone proves the target holds the source's bytes, so the verifying HeadObject can
 * be skipped: its full-object checksum equals the source's (AWS returns it for copies of objects that have one), or,
 * for a source without one, its MD5 ETag equals the source's (one CopyObject between unencrypted or SSE-S3 buckets).
 * Equal digests of the whole object mean equal sizes too. Anything else is left to the HeadObject.
 */
export function provenByWrite(source: ObjectFacts, written: WrittenObject | undefined): boolean {
  const s = source.checksum;
  const w = written?.checksum;
  if (s?.fullObject) return w?.fullObject === true && w.algorithm === s.algorithm && w.value === s.value;
  return isMd5Etag(source.etag) && written?.etag === source.etag;
}
