import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3EventRecord, S3ObjectCreatedNotificationEvent } from 'aws-lambda';
import { EventError, ExportError, isAccessDenied, isNotFound } from './errors';
import { expectOwner, factsFromHead, s3Url, unquote, type ObjectFacts, type OwnedBucket } from './object';
import type { TargetLocation } from './transfer/requests';

/** One object the event says was created, as the event states it; `resolve` finds the real key. */
export interface ObjectCreated {
  readonly bucket: string;
  /** The key exactly as the event carries it (possibly encoded). */
  readonly key: string;
  /**
   * S3 notification records form-encode keys (`a b+c` arrives as `a+b%2Bc`); EventBridge does not document its
   * encoding, and S3-compatible servers send raw keys. Either way `keyCandidates` offers both readings.
   */
  readonly keyEncoding: 'form' | 'undocumented';
  readonly size?: number;
  /** Without quotes. */
  readonly etag?: string;
  readonly versionId?: string;
  /** S3's order of this key's writes (ledger.ts compareSequencers); every S3 event for a created object has one. */
  readonly sequencer?: string;
}

export interface ParsedEvent {
  readonly objects: readonly ObjectCreated[];
  /** Why parts of the event were not objects to export (test events, other event types). */
  readonly ignored: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

function objectCreated(
  where: string,
  bucket: unknown,
  object: unknown,
  keyEncoding: ObjectCreated['keyEncoding'],
  fields: { etag: string; versionId: string },
): ObjectCreated {
  const o = isRecord(object) ? object : {};
  const name = isRecord(bucket) ? str(bucket.name) : undefined;
  // S3 never sends an empty key; an event without one is not from S3 and must not be guessed at.
  const key = str(o.key);
  if (name === undefined || key === undefined) {
    throw new EventError(
      `${where}: expected a bucket name and an object key, found ${JSON.stringify({ bucket, object })}`,
    );
  }
  const size = num(o.size);
  const etag = unquote(str(o[fields.etag]));
  const versionId = str(o[fields.versionId]);
  const sequencer = str(o.sequencer);
  if (sequencer !== undefined && !/^[0-9A-Fa-f]{1,64}$/.test(sequencer)) {
    throw new EventError(`${where}: expected "sequencer" to be hexadecimal, found ${JSON.stringify(sequencer)}`);
  }
  return {
    bucket: name,
    key,
    keyEncoding,
    ...(size !== undefined && { size }),
    ...(etag !== undefined && { etag }),
    ...(versionId !== undefined && { versionId }),
    ...(sequencer !== undefined && { sequencer }),
  };
}

/**
 * Accepts what S3 sends: the EventBridge "Object Created" event, classic notification records (`Records[]`) and the
 * `s3:TestEvent` S3 sends when notifications are set up. Anything else is an error, so a misrouted event ends in
 * the dead-letter queue where someone sees it rather than vanishing.
 */
export function parseEvent(event: unknown): ParsedEvent {
  if (!isRecord(event)) throw new EventError(`expected an S3 event object, found ${JSON.stringify(event)}`);
  if (event.Event === 's3:TestEvent') return { objects: [], ignored: ['s3:TestEvent'] };

  if (event.source === 'aws.s3' && 'detail-type' in event) {
    const e = event as unknown as S3ObjectCreatedNotificationEvent;
    if (e['detail-type'] !== 'Object Created')
      return { objects: [], ignored: [`EventBridge ${String(e['detail-type'])}`] };
    const detail: unknown = e.detail;
    if (!isRecord(detail)) throw new EventError('EventBridge "Object Created" event without a detail');
    const object = objectCreated('EventBridge event', detail.bucket, detail.object, 'undocumented', {
      etag: 'etag',
      versionId: 'version-id',
    });
    return { objects: [object], ignored: [] };
  }

  if (Array.isArray(event.Records)) {
    const objects: ObjectCreated[] = [];
    const ignored: string[] = [];
    event.Records.forEach((r: unknown, i) => {
      const record = (isRecord(r) ? r : {}) as Partial<S3EventRecord>;
      const name = String(record.eventName);
      if (record.eventSource !== 'aws:s3' || !name.startsWith('ObjectCreated:')) {
        ignored.push(`Records[${i}]: ${String(record.eventSource)} ${name}`);
        return;
      }
      const s3: unknown = record.s3;
      const s = isRecord(s3) ? s3 : {};
      objects.push(
        objectCreated(`Records[${i}]`, s.bucket, s.object, 'form', { etag: 'eTag', versionId: 'versionId' }),
      );
    });
    return { objects, ignored };
  }

  throw new EventError(
    `not an S3 event (no "Records", no EventBridge "detail"): ${JSON.stringify(event).slice(0, 300)}`,
  );
}

/** `+` is a space and `%XX` a byte of UTF-8; undefined when the text cannot be form-encoded (a lone `%`). */
export function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The keys the event may mean, the likelier reading first; `resolve` asks the bucket which one exists. */
export function keyCandidates(o: Pick<ObjectCreated, 'key' | 'keyEncoding'>): string[] {
  const decoded = formDecode(o.key);
  const ordered = o.keyEncoding === 'form' ? [decoded, o.key] : [o.key, decoded];
  return [...new Set(ordered.filter((k): k is string => k !== undefined && k !== ''))];
}

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

/** The target before writing: 403 counts as absent, since without s3:ListBucket S3 answers 403 for a missing key. */
export async function existingTarget(client: S3Client, at: TargetLocation): Promise<ObjectFacts | undefined> {
  try {
    return await head(client, at);
  } catch (err) {
    if (isAccessDenied(err)) return undefined;
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
 * What one reading of the event's key says the event means, from the newest version there (`current`, undefined for
 * none) and, when it had to be asked for, the event's version by id (`byId`, undefined when absent or not asked yet).
 * Undefined: this reading does not show the event's version; with a version id and no `byId` yet, ask for it by id,
 * otherwise try the next reading (and after the last, the event's object is gone). Throws EventMismatch for a version
 * whose size is not the event's.
 */
export function versionMeant(
  o: ObjectCreated,
  current: ObjectFacts | undefined,
  byId?: ObjectFacts,
): Resolution | undefined {
  if (o.versionId === undefined) {
    return current && sameContent(o, current) ? { status: 'current', source: current } : undefined;
  }
  if (current?.versionId === o.versionId) return { status: 'current', source: checked(o, current) };
  // A version that exists but is not the newest was replaced: by a newer upload, or by a delete marker (no current).
  if (byId) return { status: 'superseded', source: checked(o, byId), by: current ? 'a newer upload' : 'a deletion' };
  return undefined;
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
    const meant =
      versionMeant(o, current) ??
      (o.versionId === undefined ? undefined : versionMeant(o, current, await head(client, at, o.versionId)));
    if (meant) return meant;
  }
  return { status: 'gone' };
}

/** S3 gives every event for a created object a sequencer; without one, the event cannot be put in order. */
export function sequencerOf(event: ObjectCreated, source: ObjectFacts): string {
  if (event.sequencer !== undefined) return event.sequencer;
  throw new ExportError(
    `The event for ${s3Url(source)} has no "sequencer", so it cannot be ordered against other uploads of the same ` +
      'file: nothing was copied or deleted. S3 sends one with every "Object Created" event; an event made by hand ' +
      'must copy it from the original.',
    'NoSequencer',
  );
}
