import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { dayOf, RECEIPT_FORMAT, receiptKey, type Receipt, type ReceiptOutcome } from '../../naming';
import { targetOf, type ExportContext } from './context';
import { isConditionRefused } from './errors';
import { partsWritten, type ExportLog } from './log';
import { expectOwner } from './object';

/**
 * The receipt of each outcome of an export (layout: naming/receipts.ts), written into the export bucket next to
 * nothing the users upload. A delivery's receipt is written after verification and before the ledger records the
 * delivery and the source is deleted: no source is deleted without its receipt, and a failed receipt write fails
 * the attempt with the source kept. The receipt of an upload's final outcome has one key whatever the attempt and is
 * written only if none is there (If-None-Match), so a retry after a later step failed finds it and writes no second.
 */

/** How the target was proven to hold the upload's bytes, and what S3 said of the delivered object. */
export interface Delivery {
  readonly verifiedBy: NonNullable<Receipt['verified_by']>;
  readonly etag?: string;
  readonly versionId?: string;
}

export interface ReceiptFacts {
  readonly outcome: ReceiptOutcome;
  /** The reason, in the words of the log line. */
  readonly error?: string;
  readonly delivery?: Delivery;
}

/** The receipt of `facts` for the export `log` describes, as of `now`. */
export function receiptOf(
  ctx: Pick<ExportContext, 'config' | 'requestId'>,
  log: ExportLog,
  facts: ReceiptFacts,
  now: Date,
): Receipt {
  const { config } = ctx;
  const src = log.source;
  const target = targetOf(config, src.key);
  const delivered = facts.delivery !== undefined;
  const transfer = log.transfer;
  const checksum = delivered && src.checksum?.fullObject ? src.checksum : undefined;
  const begun = log.begunAt ?? log.startedAt;
  return {
    format: RECEIPT_FORMAT,
    dataset: config.dataset,
    day: dayOf(src.lastModified ?? now),
    outcome: facts.outcome,
    bucket: src.bucket,
    key: src.key,
    version: src.versionId ?? null,
    sequencer: log.sequencer ?? null,
    bytes: src.size ?? null,
    uploaded_at: src.lastModified?.toISOString() ?? null,
    verified_by: facts.delivery?.verifiedBy ?? null,
    checksum_algorithm: checksum?.algorithm ?? null,
    checksum: checksum?.value ?? null,
    target_bucket: target.bucket,
    target_account: target.owner,
    target_key: target.key,
    target_version: facts.delivery?.versionId ?? null,
    target_etag: facts.delivery?.etag ?? null,
    strategy: (transfer?.strategy ?? 'none') as Receipt['strategy'],
    parts: partsWritten(transfer),
    started_at: new Date(begun).toISOString(),
    ended_at: now.toISOString(),
    duration_ms: Math.max(0, now.getTime() - begun),
    error: facts.error ?? null,
    paperwork: config.paperwork,
    request_id: ctx.requestId ?? null,
  };
}

/** Where `receipt` is written: a failed attempt's has its own key, every other outcome the upload's one key. */
export function keyOf(receipt: Receipt, attempt: string): string {
  return receiptKey({
    dataset: receipt.dataset,
    day: receipt.day,
    key: receipt.key,
    sequencer: receipt.sequencer,
    ...(receipt.outcome === 'failed' && { failedAttempt: attempt }),
  });
}

/**
 * Writes the receipt (into the export bucket, which the platform's account must own) unless the upload already has
 * one; returns its key. Without the deadline's signal: a receipt is what lets the source go.
 */
export async function writeReceipt(ctx: ExportContext, log: ExportLog, facts: ReceiptFacts): Promise<string> {
  const receipt = receiptOf(ctx, log, facts, new Date());
  const Key = keyOf(receipt, ctx.requestId ?? randomUUID());
  try {
    await ctx.client.send(
      new PutObjectCommand({
        Bucket: receipt.bucket,
        Key,
        Body: `${JSON.stringify(receipt)}\n`,
        ContentType: 'application/json',
        IfNoneMatch: '*',
        ...expectOwner(ctx.config.platformAccount),
      }),
    );
  } catch (err) {
    // Refused: the upload's receipt is there already (or being written by a repeated event's invocation).
    if (!isConditionRefused(err)) throw err;
  }
  return Key;
}
