import { exportPrefix } from '../../naming';
import { KeyClaim } from './claim';
import { claimOptions, targetOf, transferOptions, type ExportContext } from './context';
import { DEFAULTS } from './defaults';
import { errorCode, ExportError, inStep, isNotFound, NothingToWrite, reason } from './errors';
import { existingTarget, head, keyCandidates, resolveSource, sequencerOf, type ObjectCreated } from './event';
import { failed, finishExport, finishSuperseded, finishUnwritten } from './finish';
import {
  abandons,
  abortHandedOverUpload,
  deleteHandover,
  handoverUploadOpen,
  keptNote,
  readHandover,
  writeHandover,
  type Handover,
  type HandoverVersion,
} from './handover';
import { ExportLog, type Outcome } from './log';
import { verificationProblem, type ObjectFacts } from './object';
import { writeReceipt } from './receipt';
import { partCount } from './transfer/parts';
import { Transfer, type TransferOptions, type TransferResult } from './transfer/transfer';

/**
 * One object's export, in two entry points: `exportObject` for an upload's event (the first invocation) and
 * `exportHandedOver` for a handover's (each later one). Both run the same steps, in this order: resolve the source,
 * decide, transfer or hand over, verify, record the delivery, delete the source (verify to delete: finish.ts). The
 * step that fails names the phase its message speaks of (`inStep`). Which upload of a key wins is decided by S3's
 * event order (the sequencer) and the ledger, never by timestamps.
 */

/** Copies one uploaded object to the target, verifies it, then deletes exactly that version (unless keep_files). */
export async function exportObject(ctx: ExportContext, event: ObjectCreated): Promise<Outcome> {
  const log = new ExportLog(ctx.config, ctx.log, {
    bucket: event.bucket,
    key: event.key,
    ...(event.versionId !== undefined && { versionId: event.versionId }),
    ...(event.size !== undefined && { size: event.size }),
  });
  log.sequencer = event.sequencer;
  const prefix = exportPrefix(ctx.config.dataset);
  const candidates = keyCandidates(event).filter((k) => k.startsWith(prefix));
  try {
    if (candidates.length === 0) {
      const why = `the key is outside ${prefix} (dataset ${ctx.config.dataset}): not copied, not deleted`;
      await inStep('write-receipt', () => writeReceipt(ctx, log, { outcome: 'refused', error: why }));
      return log.emit('refused', why);
    }
    const found = await inStep('read-source', () =>
      resolveSource(ctx.client, event, ctx.config.platformAccount, candidates),
    );
    if (found.status === 'gone') return log.emit('already_moved');
    log.source = found.source;
    const sequencer = sequencerOf(event, found.source);
    if (found.status === 'superseded') {
      return await inStep('delete-source', () => finishSuperseded(ctx, found, sequencer, log));
    }
    return await inStep('write-target', () => deliver(ctx, event, found.source, sequencer, log));
  } catch (err) {
    throw await failed(ctx, log, err);
  }
}

/**
 * Continues a multipart copy or stream an earlier invocation handed over (handover.ts): takes up its claim on the
 * key, writes the parts missing, then finishes as any export does, or hands over again. A failure keeps the upload,
 * the handover and the claim, so Lambda's retry of this event (or a redrive from the dead-letter queue) continues
 * from the same place.
 */
export async function exportHandedOver(ctx: ExportContext, event: ObjectCreated): Promise<Outcome> {
  const { client, config } = ctx;
  const log = new ExportLog(config, ctx.log, { bucket: event.bucket, key: event.key });
  if (event.versionId === undefined) {
    const why = `the event for s3://${event.bucket}/${event.key} names no version: the export bucket must have versioning on`;
    throw await failed(ctx, log, new ExportError(why, 'NoVersion'));
  }
  const at = { bucket: event.bucket, key: event.key, versionId: event.versionId, owner: config.platformAccount };
  let handover: Handover | undefined;
  try {
    handover = await inStep('read-source', () => readHandover(client, config, at));
    // A repeated event for a handover that was replaced or finished with: the export went on without it.
    if (!handover) return log.emit('already_moved');
    log.source = handover.source;
    log.sequencer = handover.sequencer;
    log.begunAt = Date.parse(handover.startedAt);
    const { source } = handover;
    if (
      !(await inStep('read-source', () => head(client, { ...source, owner: config.platformAccount }, source.versionId)))
    ) {
      // Deleted, or exported by a repeated upload event's own copy: the upload here is of no use any more.
      await abortHandedOverUpload(ctx.client, handover);
      await deleteHandover(client, at);
      return log.emit('already_moved');
    }
    const found = handover;
    return await inStep('write-target', () => continueHandover(ctx, found, at, log));
  } catch (err) {
    throw await failed(ctx, log, err, keptNote(err, handover));
  }
}

// ── Resolve and decide ──

// ── Transfer or hand over ──

/** Claims the key, transfers the version under the write guard, then hands over or finishes (finish.ts). */
async function deliver(
  ctx: ExportContext,
  event: ObjectCreated,
  src: ObjectFacts,
  sequencer: string,
  log: ExportLog,
): Promise<Outcome> {
  const target = targetOf(ctx.config, src.key);
  // Only to plan (an object too large for S3 fails here): without the deadline's signal, which a Transfer would
  // listen to for its whole life.
  const planned = await inStep('read-source', async () =>
    new Transfer({ ...transferOptions(ctx), abortSignal: undefined, source: src, target }).plan(),
  );
  // One request writes the whole object: the claim takes the key's write at once, saving a ledger write.
  const single = planned.strategy === 'copy-object' || partCount(src.size, planned.partSize) <= 1;
  const version = { sequencer, versionId: src.versionId! };
  const { entry, claim } = await KeyClaim.enter(claimOptions(ctx, src.key), version, { write: single });
  if (entry !== 'go') return finishUnwritten(ctx, src, log, entry);
  let transferred: TransferResult;
  try {
    transferred = await transfer(ctx, log, claim, {
      source: src,
      target,
      onUpload: (uploadId, attempts) => claim.uploadCreated(uploadId, attempts),
    });
  } catch (err) {
    await claim.release();
    if (!single) await claim.sweep().catch(() => undefined);
    const failure = reason(err);
    if (failure instanceof NothingToWrite) return finishUnwritten(ctx, src, log, failure.why);
    // A repeated event racing this one may have moved the source meanwhile: then there is nothing left to do.
    if (
      isNotFound(err) &&
      (await resolveSource(ctx.client, event, ctx.config.platformAccount, [src.key])).status === 'gone'
    ) {
      return log.emit('already_moved');
    }
    throw err;
  }
  if (transferred.handedOver) {
    const { strategy, uploadId, completed } = transferred.handedOver;
    const startedAt = new Date(log.startedAt).toISOString();
    const handover = { source: src, target, strategy, uploadId, completed, partSize: transferred.partSize };
    return handOver(ctx, log, claim, { ...handover, invocations: 1, startedAt, claimId: claim.me.id, sequencer });
  }
  try {
    return await finishExport(ctx, src, target, log, claim);
  } catch (err) {
    await claim.release();
    throw err;
  }
}

/** Takes up the handover's claim and writes the parts still missing; then hands over again or finishes. */
async function continueHandover(ctx: ExportContext, handover: Handover, at: HandoverVersion, log: ExportLog) {
  const { source, target } = handover;
  const version = { sequencer: handover.sequencer, versionId: source.versionId! };
  const options = { write: false, id: handover.claimId };
  const { entry, claim } = await KeyClaim.enter(claimOptions(ctx, source.key), version, options);
  if (entry !== 'go') return finishAbandoned(ctx, handover, at, log, claim, entry);
  try {
    let transferred: TransferResult;
    try {
      transferred = await transfer(ctx, log, claim, { source, target, partSizeBytes: handover.partSize, handover });
    } catch (err) {
      return await afterFailedHandover(ctx, handover, at, log, claim, err);
    }
    if (transferred.handedOver) {
      const next = { ...handover, completed: transferred.handedOver.completed, invocations: handover.invocations + 1 };
      return await handOver(ctx, log, claim, next, at);
    }
    return await finishHandedOver(ctx, handover, at, log, claim);
  } catch (err) {
    if (abandons(err)) {
      // The upload was aborted: nothing is left to continue, and the message says what to do with the source.
      await claim.release();
      await deleteHandover(ctx.client, at);
    } else {
      // Kept for the retry: the claim must outlive the wait for it, or others would take the upload for an orphan.
      await claim.handOver(Date.now() + DEFAULTS.handOverHoldMs).catch(() => undefined);
    }
    throw err;
  }
}

/**
 * The continued transfer failed. Nothing to write: abandon the upload. The upload gone (NoSuchUpload, or no longer
 * listed): an invocation started by a repeated event for the same handover completed it while this one ran, and
 * what is there is verified like any copy; or it was aborted (this chain's claim taken for dead and its upload for an
 * orphan), and the export starts again. Anything else is for the retry.
 */
async function afterFailedHandover(
  ctx: ExportContext,
  handover: Handover,
  at: HandoverVersion,
  log: ExportLog,
  claim: KeyClaim,
  err: unknown,
): Promise<Outcome> {
  const { source, target } = handover;
  const failure = reason(err);
  if (failure instanceof NothingToWrite) return finishAbandoned(ctx, handover, at, log, claim, failure.why);
  if (errorCode(err) !== 'NoSuchUpload' && (await handoverUploadOpen(ctx.client, handover))) throw err;
  if (verificationProblem(source, await existingTarget(ctx.client, target)))
    return startAgain(ctx, handover, at, claim);
  return finishHandedOver(ctx, handover, at, log, claim);
}

/**
 * Nothing is left to write (a newer upload was delivered, or this one was): the upload is aborted, the source dealt
 * with as any unwritten export's, and only then the handover dropped, so that the retry of a failure finds it.
 */
async function finishAbandoned(
  ctx: ExportContext,
  handover: Handover,
  at: HandoverVersion,
  log: ExportLog,
  claim: KeyClaim,
  why: 'superseded' | 'delivered',
): Promise<Outcome> {
  await abortHandedOverUpload(ctx.client, handover, claim);
  return droppingHandover(ctx, at, await finishUnwritten(ctx, handover.source, log, why));
}

/** Finishes as any export does (finish.ts), then drops the handover: nothing is left to continue. */
async function finishHandedOver(
  ctx: ExportContext,
  handover: Handover,
  at: HandoverVersion,
  log: ExportLog,
  claim: KeyClaim,
): Promise<Outcome> {
  return droppingHandover(ctx, at, await finishExport(ctx, handover.source, handover.target, log, claim));
}

/** The export ended with `outcome`: its handover goes last, so that the retry of any failure before still finds it. */
async function droppingHandover(ctx: ExportContext, at: HandoverVersion, outcome: Outcome): Promise<Outcome> {
  await inStep('delete-source', () => deleteHandover(ctx.client, at));
  return outcome;
}

/** One Transfer of this export, stopped by the deadline or the claim's loss, logged while it runs (ExportLog.run). */
function transfer(
  ctx: ExportContext,
  log: ExportLog,
  claim: KeyClaim,
  options: Pick<TransferOptions, 'source' | 'target' | 'onUpload' | 'partSizeBytes' | 'handover'>,
): Promise<TransferResult> {
  const signals = [claim.lost, ...(ctx.abortSignal ? [ctx.abortSignal] : [])];
  const guard = claim.guard(options.source, ctx.config.keepFiles);
  return log.run(
    new Transfer({ ...transferOptions(ctx), ...options, abortSignal: AbortSignal.any(signals), beforeWrite: guard }),
  );
}

/**
 * Hands the transfer over to the next invocation: the claim is held for it, and writing the handover (replacing the
 * one this invocation started from, if any) is what starts it.
 */
async function handOver(
  ctx: ExportContext,
  log: ExportLog,
  claim: KeyClaim,
  handover: Handover,
  replaces?: HandoverVersion,
): Promise<Outcome> {
  await claim.handOver(Date.now() + DEFAULTS.handOverHoldMs);
  await writeHandover(ctx.client, ctx.config, handover, replaces);
  return log.emit('handed_over');
}

/**
 * The upload is gone and the target does not hold the file: the export starts afresh, and the handover goes once
 * the fresh start delivered or handed over with one of its own. Should the fresh start fail, the handover stays: the
 * retry of this event must find it and start again, or the file would be left with nothing to export it.
 */
async function startAgain(ctx: ExportContext, handover: Handover, at: HandoverVersion, claim: KeyClaim) {
  await claim.release();
  const { source } = handover;
  const outcome = await exportObject(ctx, {
    bucket: source.bucket,
    key: source.key,
    keyEncoding: 'undocumented',
    size: source.size,
    versionId: source.versionId!,
    sequencer: handover.sequencer,
  });
  await deleteHandover(ctx.client, at);
  return outcome;
}
