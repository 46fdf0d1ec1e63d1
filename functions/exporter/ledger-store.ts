import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { ledgerKey } from '../../naming';
import { DEFAULTS } from './defaults';
import { ExportError, isConditionRefused, isNotFound, sleep } from './errors';
import { EMPTY_RECORD, type Decision, type KeyRecord } from './ledger';
import { expectOwner, type OwnedBucket } from './object';

const FORMAT = 'hub-exports/ledger/1';

/**
 * One key's record in the ledger bucket (unversioned, so conditional writes are exact; no events, so no invocations),
 * which the platform's account (`owner`) must own.
 */
export interface LedgerLocation extends OwnedBucket {
  readonly dataset: string;
  /** The export bucket's key the record is about. */
  readonly key: string;
}

/** The record's object key: one per export key, hashed because a key of up to 1,024 bytes must fit under the prefix. */
export const recordKey = (at: LedgerLocation): string =>
  ledgerKey(at.dataset, createHash('sha256').update(at.key).digest('hex').slice(0, 40));

async function read(
  client: S3Client,
  at: LedgerLocation,
  signal?: AbortSignal,
): Promise<{ record: KeyRecord; etag?: string }> {
  try {
    const got = await client.send(
      new GetObjectCommand({ Bucket: at.bucket, Key: recordKey(at), ...expectOwner(at.owner) }),
      { abortSignal: signal },
    );
    const parsed = JSON.parse(await got.Body!.transformToString()) as KeyRecord & { format?: string };
    if (parsed.format !== FORMAT || !Array.isArray(parsed.claims) || !Array.isArray(parsed.waiting)) {
      throw new ExportError(
        `s3://${at.bucket}/${recordKey(at)} is not a ledger record this exporter wrote (format ` +
          `${JSON.stringify(parsed.format)}): nothing was copied or deleted. Delete it only if nobody knows where it came from.`,
        'BadLedger',
      );
    }
    // RGW compares If-Match with the bare value; AWS accepts it too.
    return { record: parsed, etag: got.ETag?.replace(/"/g, '') };
  } catch (err) {
    if (isNotFound(err)) return { record: EMPTY_RECORD };
    throw err;
  }
}

/** The record as it is now (empty when there is none yet). */
export async function readLedger(client: S3Client, at: LedgerLocation, signal?: AbortSignal): Promise<KeyRecord> {
  return (await read(client, at, signal)).record;
}

/** A record as last read or written, with the ETag a conditional write must match (none: no record yet). */
export interface LedgerState {
  readonly record: KeyRecord;
  readonly etag?: string;
}

/** What to assume of a key never seen before: no record, so the first write is a create. */
export const NO_RECORD: LedgerState = Object.freeze({ record: EMPTY_RECORD });

/**
 * Lets `decide` (a pure function from ledger.ts) say what the record becomes, and writes it only if nobody wrote it
 * meanwhile (If-Match its ETag, or If-None-Match for a new record); on a conflict it reads again and decides again.
 * `known` (the state this invocation last saw) saves the read when nobody else wrote since, which is the usual case.
 * Returns the decision that was written (or needed no write) and the state after it.
 */
export async function updateLedger<T>(
  client: S3Client,
  at: LedgerLocation,
  decide: (r: KeyRecord) => Decision<T>,
  signal?: AbortSignal,
  known?: LedgerState,
): Promise<Decision<T> & { state: LedgerState }> {
  let state = known ?? (await read(client, at, signal));
  for (let attempt = 1; ; attempt++) {
    const decision = decide(state.record);
    if (!decision.record) return { ...decision, state };
    try {
      const out = await client.send(
        new PutObjectCommand({
          Bucket: at.bucket,
          Key: recordKey(at),
          Body: JSON.stringify({ format: FORMAT, key: at.key, ...decision.record }),
          ContentType: 'application/json',
          ...(state.etag ? { IfMatch: state.etag } : { IfNoneMatch: '*' }),
          ...expectOwner(at.owner),
        }),
        { abortSignal: signal },
      );
      return { ...decision, state: { record: decision.record, ...(out.ETag && { etag: out.ETag.replace(/"/g, '') }) } };
    } catch (err) {
      if (!isConditionRefused(err) || attempt >= DEFAULTS.ledgerMaxConflicts) throw err;
      if (attempt > 1) await sleep(Math.random() * Math.min(1000, 20 * 2 ** Math.min(attempt, 6)), signal);
      state = await read(client, at, signal);
    }
  }
}
