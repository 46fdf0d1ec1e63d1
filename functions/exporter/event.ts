import type { S3EventRecord, S3ObjectCreatedNotificationEvent } from 'aws-lambda';
import { EventError } from './errors';
import { unquote } from './facts';

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

export { EventError };

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
