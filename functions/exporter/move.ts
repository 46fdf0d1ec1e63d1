import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { exportPrefix } from '../../naming';
import { KeyClaim, type ClaimOptions } from './claim';
import type { ExporterConfig } from './config';
import { explain, ExportError, type Phase } from './errors';
import { keyCandidates, type ObjectCreated } from './event';
import { s3Url, type ObjectFacts } from './facts';
import { compareSequencers, defer, forget } from './ledger';
import { readLedger, updateLedger } from './ledger-store';
import type { Logger, Outcome } from './log';
import { expectOwner } from './owners';
import { partCount } from './plan';
import { saveProgress } from './progress';
import { ExportRecord } from './record';
import { head, resolveSource, type Resolution } from './resolve';
import { isNotFound } from './retry';
import type { TargetLocation } from './target-params';
import { Transfer, type TransferOptions, type TransferResult } from './transfer';
import { provenByWrite, verificationProblem } from './verify';
import { NothingToWrite, writeGuard } from './write-guard';
import { DEFAULTS } from './defaults';

export interface MoveContext {
  readonly client: S3Client;
  readonly config: ExporterConfig;
  /** The ARN receivers name in their bucket policy (the exporter role); quoted in AccessDenied messages. */
  readonly principal: string;
  readonly log: Logger;
  /** Aborted when the function must stop (Lambda's deadline): the transfer is abandoned cleanly. */
  readonly abortSignal?: AbortSignal;
  /** The function's memory, which bounds streaming buffers. */
  readonly memoryBytes?: number;
  /** True when time is running out: a multipart copy or stream then hands over to the next invocation. */
  readonly handOver?: () => boolean;
  /** Until when (ms since the epoch) this invocation may wait for another export's write of the same key. */
  readonly waitUntil?: number;
}

/** Receivers find each file under the path the analyst wrote, dataset prefix included. One rule, in one place. */
export const targetKey = (sourceKey: string): string => sourceKey;

/** Where the source's file goes: the same key in the receiving bucket, which the approved account must own. */
export const targetOf = (config: ExporterConfig, sourceKey: string): TargetLocation => ({
  bucket: config.targetBucket,
  key: targetKey(sourceKey),
  owner: config.targetBucketOwner,
});

/** The options every transfer of this function shares: client, sizes, concurrency, memory, deadline. */
export function transferOptions(
  ctx: MoveContext,
): Pick<
  TransferOptions,
  | 'client'
  | 'sourceOwner'
  | 'mode'
  | 'multipartThresholdBytes'
  | 'partSizeBytes'
  | 'partConcurrency'
  | 'memoryBytes'
  | 'abortSignal'
  | 'handOver'
> {
  const { config } = ctx;
  return {
    client: ctx.client,
    sourceOwner: config.platformAccount,
    mode: config.transferMode,
    multipartThresholdBytes: config.multipartThresholdBytes,
    partSizeBytes: config.partSizeBytes,
    partConcurrency: config.partConcurrency,
    ...(ctx.memoryBytes !== undefined && { memoryBytes: ctx.memoryBytes }),
    ...(ctx.abortSignal && { abortSignal: ctx.abortSignal }),
    ...(ctx.handOver && { handOver: ctx.handOver }),
  };
}

/** Where this key's claims and deliveries are kept, and how long a silent claim lives. */
export function claimOptions(ctx: MoveContext, sourceKey: string): ClaimOptions {
  const { client, config } = ctx;
  return {
    client,
    ledger: { bucket: config.ledgerBucket, owner: config.platformAccount, dataset: config.dataset, key: sourceKey },
    target: targetOf(config, sourceKey),
    ttlMs: config.claimTtlMs,
    ...(ctx.abortSignal && { signal: ctx.abortSignal }),
    waitBudgetMs: () => (ctx.waitUntil ?? Date.now() + 60_000) - Date.now(),
  };
}

/** Deletes exactly the exported version (the export bucket is `owner`'s); a newer upload is never touched. */
async function deleteSource(client: S3Client, owner: string, facts: ObjectFacts): Promise<void> {
  if (!facts.versionId) {
    throw new ExportError(
      `${s3Url(facts)} was copied and verified but not deleted: the event names no version, so a delete could ` +
        'remove a newer upload. The export bucket must have versioning enabled.',
      'NoVersion',
    );
  }
  await deleteVersion(client, owner, facts, facts.versionId);
}

/** Deletes one exact version of the source's key; one that is gone already is fine. */
async function deleteVersion(
  client: S3Client,
  owner: string,
  at: { bucket: string; key: string },
  versionId: string,
): Promise<void> {
  await client.send(
    new DeleteObjectCommand({ Bucket: at.bucket, Key: at.key, VersionId: versionId, ...expectOwner(owner) }),
  );
}

/**
 * After the transfer: verify the target (from S3's answer to the write when it proves the copy, else HeadObject),
 * record the delivery in the ledger, then (unless keep_files) delete the older versions that waited for it and the
 * exported version itself. The delivery is recorded before the delete: a late event for an older upload must find
 * it. `phase` follows along for the error message.
 */
export async function finishExport(
  ctx: MoveContext,
  src: ObjectFacts,
  target: TargetLocation,
  record: ExportRecord,
  phase: { current: Phase },
  claim: KeyClaim,
): Promise<Outcome> {
  phase.current = 'verify';
  const written = record.transfer?.written;
  let targetEtag = written?.etag;
  if (!provenByWrite(src, written)) {
    const now = await head(ctx.client, target);
    const problem = verificationProblem(src, now);
    if (problem) {
      throw new ExportError(
        `Export of ${s3Url(src)} to s3://${target.bucket}/${target.key} failed verification: ${problem}. ` +
          'The source was kept; the event will be retried.',
        'VerificationFailed',
      );
    }
    targetEtag = now?.etag;
  }
  phase.current = 'delete-source';
  const older = await claim.commit(targetEtag);
  if (!ctx.config.keepFiles) {
    const owner = ctx.config.platformAccount;
    for (const v of older) await deleteVersion(ctx.client, owner, src, v.versionId);
    await claim.forget(older);
    await deleteSource(ctx.client, owner, src);
  }
  const multipart = record.transfer !== undefined && record.transfer.strategy !== 'copy-object';
  const warning = multipart ? await claim.sweep() : undefined;
  const copied = record.transfer !== undefined && !record.transfer.skipped;
  const outcome = copied ? (ctx.config.keepFiles ? 'copied' : 'moved') : 'already_there';
  return record.emit(outcome, warning);
}

/**
 * Older versions that waited for a delivery the ledger now records, deleted (again) and forgotten: the delivery's
 * own invocation may have stopped between recording it and deleting them, and its retry then finds it delivered.
 */
async function settleWaiting(ctx: MoveContext, src: ObjectFacts): Promise<void> {
  const { ledger } = claimOptions(ctx, src.key);
  const { delivered, waiting } = await readLedger(ctx.client, ledger);
  const older = delivered ? waiting.filter((w) => compareSequencers(w.sequencer, delivered.sequencer) < 0) : [];
  for (const v of older) await deleteVersion(ctx.client, ctx.config.platformAccount, src, v.versionId);
  if (older.length) await updateLedger(ctx.client, ledger, (r) => forget(r, older));
}

/** The claim found nothing to write: a newer upload was delivered (this one is not), or this one was already. */
export async function finishUnwritten(
  ctx: MoveContext,
  src: ObjectFacts,
  record: ExportRecord,
  phase: { current: Phase },
  why: 'superseded' | 'delivered',
): Promise<Outcome> {
  phase.current = 'delete-source';
  if (!ctx.config.keepFiles) {
    await settleWaiting(ctx, src);
    await deleteSource(ctx.client, ctx.config.platformAccount, src);
  }
  return why === 'delivered' ? record.emit('already_there') : record.emit('superseded', 'a newer upload was delivered first');
}

/** Wraps a failure in an ExportError that says what to do (plus `note`), logs it, and returns it to throw. */
export function failed(ctx: MoveContext, record: ExportRecord, phase: Phase, err: unknown, note = ''): ExportError {
  const { config } = ctx;
  const e = explain(err, {
    phase,
    dataset: config.dataset,
    principal: ctx.principal,
    source: record.source,
    targetBucket: config.targetBucket,
    targetBucketOwner: config.targetBucketOwner,
    platformAccount: config.platformAccount,
    ...(config.targetKeyArn !== undefined && { targetKeyArn: config.targetKeyArn }),
    note,
  });
  record.emit('failed', e.message);
  return e;
}

/** S3 gives every event for a created object a sequencer; without one, the event cannot be put in order. */
function sequencerOf(event: ObjectCreated, source: ObjectFacts): string {
  if (event.sequencer !== undefined) return event.sequencer;
  throw new ExportError(
    `The event for ${s3Url(source)} has no "sequencer", so it cannot be ordered against other uploads of the same ` +
      'file: nothing was copied or deleted. S3 sends one with every "Object Created" event; an event made by hand ' +
      'must copy it from the original.',
    'NoSequencer',
  );
}

/**
 * A version a newer upload or a deletion replaced before it was exported is not delivered. Unless keep_files it is
 * deleted, but only once something newer reached the target (or the user deleted the file): until the newer
 * upload's delivery, the ledger keeps it waiting, and that delivery deletes it.
 */
async function supersededVersion(
  ctx: MoveContext,
  found: Extract<Resolution, { status: 'superseded' }>,
  sequencer: string,
  record: ExportRecord,
  phase: { current: Phase },
): Promise<Outcome> {
  const note = `replaced by ${found.by} before it was exported`;
  if (ctx.config.keepFiles) return record.emit('superseded', note);
  phase.current = 'delete-source';
  if (found.by === 'a newer upload') {
    const { ledger } = claimOptions(ctx, found.source.key);
    const versionId = found.source.versionId!;
    const d = await updateLedger(ctx.client, ledger, (r) => defer(r, { sequencer, versionId }), ctx.abortSignal);
    if (d.result === 'deferred') return record.emit('superseded', `${note}; deleted once that upload is delivered`);
  }
  await deleteSource(ctx.client, ctx.config.platformAccount, found.source);
  return record.emit('superseded', note);
}

/** Claims the key, transfers the version under the write guard, then verifies, commits and deletes. */
async function deliver(
  ctx: MoveContext,
  event: ObjectCreated,
  src: ObjectFacts,
  sequencer: string,
  record: ExportRecord,
  phase: { current: Phase },
): Promise<Outcome> {
  const { client, config } = ctx;
  const target = targetOf(config, src.key);
  // Only to plan: without the deadline's signal, which a Transfer would listen to for its whole life.
  const planned = new Transfer({ ...transferOptions(ctx), abortSignal: undefined, source: src, target }).plan();
  // One request writes the whole object: the claim takes the key's write at once, saving a ledger write.
  const single = planned.strategy === 'copy-object' || partCount(src.size, planned.partSize) <= 1;
  phase.current = 'write-target';
  const version = { sequencer, versionId: src.versionId! };
  const { entry, claim } = await KeyClaim.enter(claimOptions(ctx, src.key), version, { write: single });
  if (entry !== 'go') return finishUnwritten(ctx, src, record, phase, entry);
  let transferred: TransferResult;
  try {
    const signals = [claim.lost, ...(ctx.abortSignal ? [ctx.abortSignal] : [])];
    transferred = await record.run(
      new Transfer({
        ...transferOptions(ctx),
        abortSignal: AbortSignal.any(signals),
        source: src,
        target,
        beforeWrite: writeGuard(client, claim, src, target, config.keepFiles),
        onUpload: (uploadId, attempts) => claim.uploadCreated(uploadId, attempts),
      }),
    );
  } catch (err) {
    await claim.release();
    if (!single) await claim.sweep().catch(() => undefined);
    if (err instanceof NothingToWrite) return finishUnwritten(ctx, src, record, phase, err.why);
    // A repeated event racing this one may have moved the source meanwhile: then there is nothing left to do.
    if (isNotFound(err) && (await resolveSource(client, event, config.platformAccount, [src.key])).status === 'gone') {
      return record.emit('already_moved');
    }
    throw err;
  }
  if (transferred.handedOver) {
    await claim.handOver(Date.now() + DEFAULTS.handOverHoldMs);
    await saveProgress(client, config, {
      source: src,
      target,
      strategy: transferred.strategy === 'stream' ? 'stream' : 'multipart-copy',
      partSize: transferred.partSize,
      ...transferred.handedOver,
      invocations: 1,
      startedAt: new Date(record.startedAt).toISOString(),
      claimId: claim.me.id,
      sequencer,
    });
    return record.emit('continuing');
  }
  try {
    return await finishExport(ctx, src, target, record, phase, claim);
  } catch (err) {
    await claim.release();
    throw err;
  }
}

/**
 * Copies one object to the target, verifies it, then deletes exactly that source version (unless keep_files). Which
 * upload of a key wins is decided by S3's event order (the sequencer) and the ledger, never by timestamps.
 */
export async function moveObject(ctx: MoveContext, event: ObjectCreated): Promise<Outcome> {
  const { client, config } = ctx;
  const phase: { current: Phase } = { current: 'read-source' };
  const record = new ExportRecord(config, ctx.log, {
    bucket: event.bucket,
    key: event.key,
    ...(event.versionId !== undefined && { versionId: event.versionId }),
    ...(event.size !== undefined && { size: event.size }),
  });

  const prefix = exportPrefix(config.dataset);
  const candidates = keyCandidates(event).filter((k) => k.startsWith(prefix));
  if (candidates.length === 0) {
    return record.emit('refused', `the key is outside ${prefix} (dataset ${config.dataset}): not copied, not deleted`);
  }
  try {
    const found = await resolveSource(client, event, config.platformAccount, candidates);
    if (found.status === 'gone') return record.emit('already_moved');
    record.source = found.source;
    const sequencer = sequencerOf(event, found.source);
    if (found.status === 'superseded') return await supersededVersion(ctx, found, sequencer, record, phase);
    return await deliver(ctx, event, found.source, sequencer, record, phase);
  } catch (err) {
    throw failed(ctx, record, phase.current, err);
  }
}
