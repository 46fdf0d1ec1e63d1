import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { keyCandidates, type ObjectCreated } from './event';
import { factsFromHead, type ObjectFacts } from './facts';
import { isNotFound } from './retry';

export type Resolution =
  /** The event's version exists and is the newest at its key. */
  | { readonly status: 'current'; readonly source: ObjectFacts }
  /** The event's version exists but a newer upload, or a deletion, replaced it before it was exported. */
  | { readonly status: 'superseded'; readonly source: ObjectFacts; readonly by: 'a newer upload' | 'a deletion' }
  /** No candidate key holds the event's version: moved already, or deleted. */
  | { readonly status: 'gone'; readonly tried: readonly string[] };

/** HeadObject with checksums; undefined for 404 (no such key or version, or a delete marker). */
export async function head(
  client: S3Client,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<ObjectFacts | undefined> {
  try {
    const out = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ChecksumMode: 'ENABLED' }),
    );
    return factsFromHead(bucket, key, out);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const matches = (o: ObjectCreated, f: ObjectFacts): boolean =>
  (o.size === undefined || o.size === f.size) &&
  (o.versionId !== undefined ? f.versionId === o.versionId : o.etag === undefined || o.etag === f.etag);

/**
 * Finds the object the event means. The event's key may be form-encoded or raw, so each reading is tried against
 * the bucket; the one holding the event's version (or, without versions, its size and ETag) wins. The first request
 * asks for the newest version at the key, which in the usual case both resolves the key and shows the event's
 * version is still current; only otherwise is the version asked for by id.
 */
export async function resolveSource(client: S3Client, o: ObjectCreated, candidates = keyCandidates(o)): Promise<Resolution> {
  for (const key of candidates) {
    const current = await head(client, o.bucket, key);
    if (current && matches(o, current)) return { status: 'current', source: current };
    if (o.versionId === undefined) continue;
    const version = await head(client, o.bucket, key, o.versionId);
    if (version && matches(o, version)) {
      return { status: 'superseded', source: version, by: current ? 'a newer upload' : 'a deletion' };
    }
  }
  return { status: 'gone', tried: candidates };
}
