import { Random, mix, uuid } from './random';

/**
 * S3 → EventBridge, as AWS runs it: the "Object Created" event of a write, and how the bus delivers it to a rule's
 * target, at least once (duplicates, some at the same moment, some late, after later events). Each event's choices
 * come from a generator seeded by the run's seed and the write's sequence number, so they do not depend on what
 * else is in flight and a run is replayed from its seed whatever order things finish in.
 */

export interface ObjectWritten {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly reason: 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload';
  /** What S3 puts in the event; when both are given, `head` is not asked. */
  readonly size?: number;
  readonly etag?: string;
}

/** The EventBridge "Object Created" event the simulation delivers. */
export interface SimEvent {
  readonly id: string;
  readonly time: string;
  readonly detail: {
    readonly bucket: { readonly name: string };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly etag?: string;
      readonly 'version-id'?: string;
      readonly sequencer: string;
    };
    readonly reason: ObjectWritten['reason'];
  } & Record<string, unknown>;
  readonly [field: string]: unknown;
}

/** EventBridge's probabilities: form encoding is decided per event, the rest per delivery to a target. */
export interface EventRates {
  readonly duplicate: number;
  /** Of the duplicates, how many start at the same moment as the first delivery. */
  readonly concurrentDuplicate: number;
  readonly late: number;
  readonly formEncodedKey: number;
}

/** What S3 knew of the exact version when it sent the event; undefined when the version was already gone. */
export type ObjectFacts = { size: number; etag: string } | undefined;

/** One delivery of an event to one target. */
export interface Delivery {
  /** 0 for the first delivery, 1 for its duplicate. */
  readonly copy: number;
  readonly late: boolean;
  /** From the moment the event is published; 0 delivers at once. */
  readonly delayMs: number;
}

const SEQUENCER_BASE = 0x00617f0829930000n;
/** A duplicate that is not concurrent follows the first delivery by this much. */
const DUPLICATE_GAP_MS: readonly [number, number] = [5, 200];
const LATE_MS: readonly [number, number] = [200, 2000];
/** Where the events say they come from when no function's configuration says otherwise. */
const PLATFORM: Where = { account: '593291632749', region: 'eu-west-1' };

type Where = { readonly account: string; readonly region: string };

/**
 * The event of the write with sequence number `seq` (S3's write order, 1 for the first), and the generator that goes
 * on to decide its deliveries: seeded from (seed, seq) alone, so the event and its fate are the same whenever the
 * HeadObject answers and whatever else is in flight.
 */
export function objectCreated(
  w: ObjectWritten,
  seed: number,
  seq: number,
  facts: ObjectFacts,
  formEncodedKey: number,
  where: Where = PLATFORM,
): { event: SimEvent; encoded: boolean; rng: Random } {
  const rng = new Random(mix(seed, seq));
  const encoded = rng.chance(formEncodedKey);
  return { event: objectCreatedEvent(w, sequencerOf(seq), rng, facts, encoded, where), encoded, rng };
}

/**
 * EventBridge's side for one target: at least once, sometimes twice, sometimes late. It draws the same numbers
 * whatever it decides, so that changing one rate changes only its own decisions, never the ones drawn after it.
 */
export function deliveries(rng: Random, rates: EventRates, lateMs: readonly [number, number] = LATE_MS): Delivery[] {
  const copies = rng.chance(rates.duplicate) ? 2 : 1;
  const concurrent = rng.chance(rates.concurrentDuplicate);
  const gap = rng.int(...DUPLICATE_GAP_MS);
  const [lo, hi] = lateMs;
  const out: Delivery[] = [];
  for (let copy = 0; copy < 2; copy++) {
    const late = rng.chance(rates.late);
    const lateBy = rng.int(Math.round(lo), Math.round(hi));
    if (copy >= copies) continue;
    out.push({ copy, late, delayMs: (copy === 1 && !concurrent ? gap : 0) + (late ? lateBy : 0) });
  }
  return out;
}

/** For tests: S3's order of two sequencers of one key, the shorter right-padded with zeros. */
export function compareSequencers(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  const [x, y] = [a.toUpperCase().padEnd(n, '0'), b.toUpperCase().padEnd(n, '0')];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Form encoding as S3 notification records use it (the exporter's tests have the same). */
export const formEncode = (key: string): string =>
  encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * S3's sequencer of the n-th write. Trailing zeros are dropped, as S3 does, so lengths differ and only S3's
 * documented comparison (`compareSequencers`) orders them: a consumer comparing them as plain strings fails here.
 */
function sequencerOf(n: number): string {
  return (SEQUENCER_BASE + BigInt(n)).toString(16).toUpperCase().padStart(16, '0').replace(/0+$/, '');
}

function objectCreatedEvent(
  w: ObjectWritten,
  sequencer: string,
  rng: Random,
  facts: ObjectFacts,
  encoded: boolean,
  where: Where,
): SimEvent {
  const hex = (digits: number) =>
    Array.from({ length: digits }, () => rng.int(0, 15).toString(16))
      .join('')
      .toUpperCase();
  return {
    version: '0',
    id: uuid(rng),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: where.account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [`arn:aws:s3:::${w.bucket}`],
    detail: {
      version: '0',
      bucket: { name: w.bucket },
      object: {
        key: encoded ? formEncode(w.key) : w.key,
        ...(facts && { size: facts.size, etag: facts.etag.replace(/"/g, '') }),
        ...(w.versionId !== undefined && { 'version-id': w.versionId }),
        sequencer,
      },
      'request-id': hex(16),
      requester: where.account,
      'source-ip-address': '127.0.0.1',
      reason: w.reason,
    },
  };
}
