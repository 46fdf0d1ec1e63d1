import { ExportError } from './errors';
import { compareObjects, s3Url, type ObjectFacts } from './object';

/**
 * What the exporter remembers about one key of the export bucket, across invocations and deletes: which upload (by
 * S3's event `sequencer`) it last delivered, who is working on the key now, and which older versions wait for a newer
 * one's delivery before they may be deleted. The export bucket forgets a version once it is deleted, and deleting the
 * newest makes the previous one current again, so without this record a late event for an older upload would look
 * like the newest file. Pure functions of the record here; reading and writing it (conditionally) in ledger-store.ts.
 *
 * Only the request that makes an object appear at the target (CopyObject, PutObject, CompleteMultipartUpload) is
 * serialised per key: parts of several transfers may be written at once, but one claim at a time holds the write,
 * and nobody may write a version older than one delivered. That is what keeps older bytes from replacing newer ones
 * whatever the timing: a slow older write holds the write until it ends, and the newer upload waits for it.
 */

/** One invocation's (or one handed-over transfer's) work on one version of the key. */
export interface Claim {
  /** A transfer's id: a handover keeps the one its first invocation chose. */
  readonly id: string;
  readonly sequencer: string;
  readonly versionId: string;
  /** When the claim was made (ms since the epoch): an upload initiated after it may be this claim's own. */
  readonly since: number;
  /** The last heartbeat: the claim is alive while `beat + ttl` has not passed. */
  readonly beat: number;
  /** A transfer handed over to the next invocation beats no more; it stays alive until then. */
  readonly heldUntil?: number;
  /** The multipart upload this claim writes in the target, once created. */
  readonly uploadId?: string;
  /** Holds the key's write: the one request that makes the object appear at the target. */
  readonly writing?: boolean;
}

export interface VersionRef {
  readonly sequencer: string;
  readonly versionId: string;
}

export interface KeyRecord {
  /**
   * The newest upload delivered and verified: only what ordering needs (its sequencer and version, and the target's
   * ETag then, to recognise our own delivery), taken from its receipt, whose key it names. The receipt is the record
   * of the delivery for people (receipt.ts); this is the key's order, which must change in the same conditional
   * write as the claims, so it cannot live in receipts, which are immutable and filed by day.
   */
  readonly delivered?: VersionRef & { readonly targetEtag?: string; readonly receipt?: string };
  /** The last claim that took the write: a target it wrote counts as ours even if it never committed (a crash). */
  readonly lastWrite?: VersionRef;
  readonly claims: readonly Claim[];
  /** Older versions (moving datasets) to delete once a newer upload is delivered: not before, so nothing is lost. */
  readonly waiting: readonly VersionRef[];
}

export const EMPTY_RECORD: KeyRecord = Object.freeze({ claims: [], waiting: [] });

/**
 * S3's order of two events for one key: the greater sequencer is the later write. Sequencers can differ in length;
 * S3's event message structure page says to right-pad the shorter with zeros, then compare as text.
 */
export function compareSequencers(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  const x = a.toUpperCase().padEnd(n, '0');
  const y = b.toUpperCase().padEnd(n, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

export const isAlive = (c: Claim, now: number, ttlMs: number): boolean =>
  c.beat + ttlMs > now || (c.heldUntil !== undefined && c.heldUntil > now);

export interface Me extends VersionRef {
  readonly id: string;
}

/** What a claim may do next. */
export type Entry =
  /** Go on (the claim is in the record; with `write`, it holds the key's write). */
  | 'go'
  /** A newer upload was delivered: this version must not be written; it may be deleted. */
  | 'superseded'
  /** This very version was delivered already (a repeated event, or a retry after the delivery committed). */
  | 'delivered'
  /** Another claim holds the write: ask again shortly. */
  | 'wait'
  /** A different version was delivered with this very sequencer: S3 never does that, so nothing is decided. */
  | 'conflict';

export interface Decision<T> {
  readonly result: T;
  /** The record to write, or undefined when nothing changes. */
  readonly record?: KeyRecord;
  /** Claims found dead and dropped: their multipart uploads, if any, are orphans to abort. */
  readonly dropped?: readonly Claim[];
}

function withoutDead(r: KeyRecord, now: number, ttlMs: number): { record: KeyRecord; dropped: Claim[] } {
  const dropped = r.claims.filter((c) => !isAlive(c, now, ttlMs));
  return { record: dropped.length ? { ...r, claims: r.claims.filter((c) => !dropped.includes(c)) } : r, dropped };
}

/**
 * Enters (or refreshes) `me`'s claim; with `write`, also takes the key's write. A version older than the one
 * delivered is superseded; the one delivered is done. While another claim holds the write the answer is to wait:
 * either it ends and the record says what happened, or it dies and is dropped. Newer versions' claims do not stop
 * an older one from writing: they take the write after it, so their bytes land last.
 */
export function enter(r: KeyRecord, me: Me, now: number, ttlMs: number, write: boolean): Decision<Entry> {
  const { record, dropped } = withoutDead(r, now, ttlMs);
  const changed = dropped.length > 0 ? record : undefined;
  const order = record.delivered ? compareSequencers(record.delivered.sequencer, me.sequencer) : -1;
  if (order > 0) return { result: 'superseded', record: changed, dropped };
  if (order === 0 && record.delivered!.versionId !== me.versionId)
    return { result: 'conflict', record: changed, dropped };
  if (order === 0) return { result: 'delivered', record: changed, dropped };
  const others = record.claims.filter((c) => c.id !== me.id);
  if (write && others.some((c) => c.writing)) return { result: 'wait', record: changed, dropped };
  const { heldUntil: _handedOver, ...mine } = record.claims.find((c) => c.id === me.id) ?? {
    id: me.id,
    sequencer: me.sequencer,
    versionId: me.versionId,
    since: now,
  };
  const claim: Claim = { ...mine, beat: now, ...(write && { writing: true }) };
  return {
    result: 'go',
    record: {
      ...record,
      claims: [...others, claim],
      ...(write && { lastWrite: { sequencer: me.sequencer, versionId: me.versionId } }),
    },
    dropped,
  };
}

/**
 * For a version a newer upload replaced before it was exported (moving datasets): delete it now if a newer upload
 * has been delivered, otherwise note it so that the newer one's delivery deletes it.
 */
export function defer(r: KeyRecord, v: VersionRef): Decision<'delete' | 'deferred'> {
  if (r.delivered && compareSequencers(r.delivered.sequencer, v.sequencer) > 0) return { result: 'delete' };
  if (r.waiting.some((w) => w.versionId === v.versionId)) return { result: 'deferred' };
  return {
    result: 'deferred',
    record: { ...r, waiting: [...r.waiting, { sequencer: v.sequencer, versionId: v.versionId }] },
  };
}

/** The claim's heartbeat (and its upload, once known); 'lost' when the claim is gone (it was found dead). */
export function beat(r: KeyRecord, id: string, now: number, uploadId?: string): Decision<'alive' | 'lost'> {
  const mine = r.claims.find((c) => c.id === id);
  if (!mine) return { result: 'lost' };
  const claim: Claim = { ...mine, beat: now, ...(uploadId !== undefined && { uploadId }) };
  return { result: 'alive', record: { ...r, claims: r.claims.map((c) => (c === mine ? claim : c)) } };
}

/** A transfer handed over to the next invocation: its claim stays alive, without beats, until `until`. */
export function holdUntil(r: KeyRecord, id: string, until: number): Decision<'held' | 'lost'> {
  const mine = r.claims.find((c) => c.id === id);
  if (!mine) return { result: 'lost' };
  const claim: Claim = { ...mine, heldUntil: until, writing: false };
  return { result: 'held', record: { ...r, claims: r.claims.map((c) => (c === mine ? claim : c)) } };
}

/**
 * After `me`'s version was written and verified: it is the newest delivered. Its claim ends, and so do the claims of
 * the same version that are not writing (repeated events whose work is done: their uploads become orphans). The
 * older versions waiting for this delivery are returned, to delete; they stay in the record until `forget` (after
 * their deletion), so that a commit whose answer was lost, run again, still finds them.
 */
export function commit(
  r: KeyRecord,
  me: Me,
  targetEtag: string | undefined,
  receipt?: string,
): Decision<readonly VersionRef[]> {
  const older = r.waiting.filter((w) => compareSequencers(w.sequencer, me.sequencer) < 0);
  const done = (c: Claim) => c.id === me.id || (c.versionId === me.versionId && !c.writing);
  return {
    result: older,
    record: {
      ...r,
      delivered: {
        sequencer: me.sequencer,
        versionId: me.versionId,
        ...(targetEtag && { targetEtag }),
        ...(receipt && { receipt }),
      },
      claims: r.claims.filter((c) => !done(c)),
    },
    dropped: r.claims.filter((c) => c.id !== me.id && done(c)),
  };
}

/** Older versions deleted after a newer delivery no longer wait. */
export function forget(r: KeyRecord, deleted: readonly VersionRef[]): Decision<void> {
  const ids = new Set(deleted.map((d) => d.versionId));
  if (!r.waiting.some((w) => ids.has(w.versionId))) return { result: undefined };
  return { result: undefined, record: { ...r, waiting: r.waiting.filter((w) => !ids.has(w.versionId)) } };
}

/** The claim ends without a delivery (a failure, or nothing to do). */
export function release(r: KeyRecord, id: string): Decision<void> {
  if (!r.claims.some((c) => c.id === id)) return { result: undefined };
  return { result: undefined, record: { ...r, claims: r.claims.filter((c) => c.id !== id) } };
}

export interface OpenUpload {
  readonly uploadId: string;
  readonly initiated?: Date;
}

/**
 * The multipart uploads at the key that nobody alive will complete: not a live claim's, and not possibly being
 * created by a live claim that has not recorded its upload yet (initiated after that claim began, give or take the
 * clocks). A lost answer to CreateMultipartUpload (the SDK's retry creates another), a deadline during it, and a
 * function killed mid-copy all leave such uploads in the receiver's bucket.
 */
export function orphans(
  uploads: readonly OpenUpload[],
  r: KeyRecord,
  now: number,
  ttlMs: number,
  skewMs: number,
): OpenUpload[] {
  const live = r.claims.filter((c) => isAlive(c, now, ttlMs));
  const owned = new Set(live.map((c) => c.uploadId).filter(Boolean));
  const creating = live.filter((c) => c.uploadId === undefined).map((c) => c.since - skewMs);
  const earliest = creating.length ? Math.min(...creating) : Infinity;
  return uploads.filter((u) => !owned.has(u.uploadId) && (u.initiated?.getTime() ?? now) < earliest);
}

/**
 * Whether the target may be overwritten with `source` (or already holds it: 'skip'). It may when it is absent, when
 * the ledger shows it is our own delivery (its ETag then) or possibly our own uncommitted write (a claim took the
 * write after the last delivery: a function that stopped between writing and committing), or when it is older than
 * the upload. Anything else is someone else's write made after the upload (the receiver's own, most likely): it is
 * not overwritten, and the export stops with TargetIsNewer, keeping the source.
 */
export function targetDecision(
  source: ObjectFacts,
  target: ObjectFacts | undefined,
  before: KeyRecord,
  keepFiles: boolean,
): 'write' | 'skip' {
  if (!target) return 'write';
  const same = compareObjects(source, target);
  if (same === 'same') return 'skip';
  const { delivered, lastWrite } = before;
  if (delivered?.targetEtag !== undefined && delivered.targetEtag === target.etag) return 'write';
  if (lastWrite && (!delivered || compareSequencers(lastWrite.sequencer, delivered.sequencer) > 0)) return 'write';
  const newer = (target.lastModified?.getTime() ?? 0) > (source.lastModified?.getTime() ?? Infinity);
  if (!newer) return 'write';
  // A kept source copied before the ledger knew of it: an unprovable newer target is most likely that copy.
  if (same === 'unknown' && keepFiles && !delivered) return 'write';
  const when =
    `written ${target.lastModified?.toISOString()}, after this version was uploaded ${source.lastModified?.toISOString()}, ` +
    'and not by this exporter';
  const what =
    same === 'different'
      ? `holds different bytes ${when}`
      : `holds an object ${when} (S3 reports no checksum to compare)`;
  throw new ExportError(
    `Export of ${s3Url(source)} stopped: s3://${target.bucket}/${target.key} ${what}. It was not overwritten and the ` +
      'source was kept: ask the receiver about it, then delete the source version, or upload the file again to export it.',
    'TargetIsNewer',
    { abandonUpload: true },
  );
}
