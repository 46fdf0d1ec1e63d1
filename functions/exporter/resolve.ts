import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { keyCandidates, type ObjectCreated } from './event';
import { ExportError } from './errors';
import { factsFromHead, s3Url, type ObjectFacts } from './facts';
import { expectOwner, type OwnedBucket } from './owners';
import { isNotFound } from './retry';

export type Resolution =
  /** The event's version exists and is the newest at its key. */
  | { readonly status: 'current'; readonly source: ObjectFacts }
  /** The event's version exists but a newer upload, or a deletion, replaced it before it was exported. */
  | { readonly status: 'superseded'; readonly source: ObjectFacts; readonly by: 'a newer upload' | 'a deletion' }
  /** No candidate key holds the event's version: moved already, or deleted. */
  | { readonly status: 'gone' };

/**
 * HeadObject with checksums, of a bucket that `at.owner` must own; undefined for 404 (no such key or version, or a
 * delete marker).
 */
export async function head(
  client: S3Client,
  at: OwnedBucket & { readonly key: string },
  versionId?: string,
): Promise<ObjectFacts | undefined> {
  const { bucket, key } = at;
  try {
    const out = await client.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        ChecksumMode: 'ENABLED',
        ...expectOwner(at.owner),
      }),
    );
    return factsFromHead(bucket, key, out);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Without versions only the size and ETag can say which reading of the key the event means. */
const sameContent = (o: ObjectCreated, f: ObjectFacts): boolean =>
  (o.size === undefined || o.size === f.size) && (o.etag === undefined || o.etag === f.etag);

/** A version is immutable: one whose size differs from the event's means the event is not S3's, so never guess. */
function checked(o: ObjectCreated, f: ObjectFacts): ObjectFacts {
  if (o.size !== undefined && o.size !== f.size) {
    throw new ExportError(
      `${s3Url(f)} has ${f.size} bytes but the event says ${o.size}: the event does not describe this version, so ` +
        'nothing was copied or deleted.',
      'EventMismatch',
    );
  }
  return f;
}

/**
 * Finds the object the event means. The event's key may be form-encoded or raw, so each reading is tried against
 * the bucket; the one holding the event's version (or, without versions, its size and ETag) wins. The first request
 * asks for the newest version at the key, which in the usual case both resolves the key and shows the event's
 * version is still current; only otherwise is the version asked for by id. `owner` must own the event's bucket.
 */
export async function resolveSource(
  client: S3Client,
  o: ObjectCreated,
  owner: string,
  candidates = keyCandidates(o),
): Promise<Resolution> {
  for (const key of candidates) {
    const at = { bucket: o.bucket, key, owner };
    const current = await head(client, at);
    if (o.versionId === undefined) {
      if (current && sameContent(o, current)) return { status: 'current', source: current };
      continue;
    }
    if (current?.versionId === o.versionId) return { status: 'current', source: checked(o, current) };
    const version = await head(client, at, o.versionId);
    if (version) {
      return { status: 'superseded', source: checked(o, version), by: current ? 'a newer upload' : 'a deletion' };
    }
  }
  return { status: 'gone' };
}
