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
}

/** An ETag without its quotes (S3 sends them quoted, notification events not always). */
export const unquote = (etag?: string): string | undefined => etag?.replace(/^"(.*)"$/, '$1');

export function writtenObject(
  out: Partial<Record<`Checksum${ChecksumAlgorithmName}`, string>> & Pick<Head, 'ChecksumType' | 'ETag'>,
): WrittenObject {
  const etag = unquote(out.ETag) || undefined;
  const checksum = checksumOf(out);
  return { ...(etag && { etag }), ...(checksum && { checksum }) };
}

export const s3Url = (o: { bucket: string; key: string; versionId?: string }): string =>
  `s3://${o.bucket}/${o.key}${o.versionId ? ` (version ${o.versionId})` : ''}`;
