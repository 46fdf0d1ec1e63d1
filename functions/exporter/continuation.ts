import { continuationPrefix } from '../../naming';
import { KeyClaim } from './claim';
import { ExportError, type Phase } from './errors';
import type { ObjectCreated } from './event';
import type { Outcome } from './log';
import { abortUpload, uploadsAt } from './multipart';
import { claimOptions, failed, transferOptions, type MoveContext } from './context';
import { finishExport, finishUnwritten } from './finish';
import { moveObject } from './move';
import { partCount } from './plan';
import { deleteProgress, loadProgress, saveProgress, type Progress, type ProgressVersion } from './progress';
import { ExportRecord } from './record';
import { head } from './resolve';
import { errorCode } from './retry';
import { targetUpload } from './target-params';
import { Transfer, type TransferResult } from './transfer';
import { verificationProblem } from './verify';
import { existingTarget, NothingToWrite, writeGuard } from './write-guard';
import { DEFAULTS } from './defaults';

/** Whether the event is for a progress object of this dataset's exporter rather than for an upload. */
export const isContinuation = (dataset: string, event: ObjectCreated): boolean =>
  event.key.startsWith(continuationPrefix(dataset));

type At = ProgressVersion;

/** The upload can never be completed (the source is gone, or nothing is to be written): abort it, drop the progress. */
async function abandon(ctx: MoveContext, progress: Progress, at: At, claim?: KeyClaim): Promise<void> {
  await abortUpload(ctx.client, targetUpload(progress.target, progress.uploadId), DEFAULTS.partAttempts, new Error('abandoned'));
  await claim?.release();
  await deleteProgress(ctx.client, at);
}

/**
 * Whether the progress's upload is still open. AWS answers NoSuchUpload for a part of an aborted upload; RGW answers
 * 403 without a code, so a failure is checked against the list. Without the permission to list, it cannot tell.
 */
async function uploadOpen(ctx: MoveContext, progress: Progress): Promise<boolean> {
  try {
    return (await uploadsAt(ctx.client, progress.target)).some((u) => u.uploadId === progress.uploadId);
  } catch {
    return true;
  }
}

/**
 * The upload is gone and the target does not hold the file: the export starts afresh, and the progress goes once it
 * has (delivered, or handed over with progress of its own). Should the fresh start fail, the progress stays: the
 * retry of this event must find it and start again, or the file would be left with nothing to export it.
 */
async function startAgain(ctx: MoveContext, progress: Progress, at: At, claim: KeyClaim): Promise<Outcome> {
  await claim.release();
  const { source } = progress;
  const outcome = await moveObject(ctx, {
    bucket: source.bucket,
    key: source.key,
    keyEncoding: 'undocumented',
    size: source.size,
    versionId: source.versionId!,
    sequencer: progress.sequencer,
  });
  await deleteProgress(ctx.client, at);
  return outcome;
}

/**
 * Continues a multipart copy or stream an earlier invocation handed over (see progress.ts): takes up its claim on the
 * key, writes the parts missing, then finishes as any export does, or hands over again. A failure keeps the upload,
 * the progress and the claim, so Lambda's retry of this event (or a redrive from the dead-letter queue) continues
 * from the same place.
 */
export async function continueMove(ctx: MoveContext, event: ObjectCreated): Promise<Outcome> {
  const { client, config } = ctx;
  const phase: { current: Phase } = { current: 'read-source' };
  const record = new ExportRecord(config, ctx.log, { bucket: event.bucket, key: event.key });
  if (event.versionId === undefined) {
    const err = new ExportError(
      `the event for s3://${event.bucket}/${event.key} names no version: the export bucket must have versioning on`,
      'NoVersion',
    );
    throw failed(ctx, record, phase.current, err);
  }
  const at = { bucket: event.bucket, key: event.key, versionId: event.versionId, owner: config.platformAccount };
  let kept = '';
  let claim: KeyClaim | undefined;
  try {
    const progress = await loadProgress(client, config, at);
    // A repeated event for progress that was replaced or finished with: the copy went on without it.
    if (!progress) return record.emit('already_moved');
    record.source = progress.source;
    const { source, target } = progress;
    if (!(await head(client, { ...source, owner: config.platformAccount }, source.versionId))) {
      // Deleted, or exported by a repeated upload event's own copy: the upload here is of no use any more.
      await abandon(ctx, progress, at);
      return record.emit('already_moved');
    }
    phase.current = 'write-target';
    const version = { sequencer: progress.sequencer, versionId: source.versionId! };
    const entered = await KeyClaim.enter(claimOptions(ctx, source.key), version, { write: false, id: progress.claimId });
    claim = entered.claim;
    if (entered.entry !== 'go') {
      await abandon(ctx, progress, at, claim);
      return await finishUnwritten(ctx, source, record, phase, entered.entry);
    }
    const total = partCount(source.size, progress.partSize);
    kept =
      ` The multipart upload ${progress.uploadId} and its progress (${progress.completed.length} of ${total} parts) ` +
      'were kept: the retry continues from there.';
    let transferred: TransferResult;
    try {
      transferred = await record.run(
        new Transfer({
          ...transferOptions(ctx),
          abortSignal: AbortSignal.any([claim.lost, ...(ctx.abortSignal ? [ctx.abortSignal] : [])]),
          mode: progress.strategy === 'stream' ? 'stream' : 'copy',
          partSizeBytes: progress.partSize,
          source,
          target,
          resume: { uploadId: progress.uploadId, completed: progress.completed },
          beforeWrite: writeGuard(client, claim, source, target, config.keepFiles),
        }),
      );
    } catch (err) {
      if (err instanceof NothingToWrite) {
        await abandon(ctx, progress, at, claim);
        return await finishUnwritten(ctx, source, record, phase, err.why);
      }
      // A continuation started by a repeated event for the same progress completed the upload while this one ran:
      // what is there now is verified like any copy, and the progress is cleared. If the upload was aborted instead
      // (this chain's claim was taken for dead and its upload for an orphan), the export starts again.
      if (errorCode(err) !== 'NoSuchUpload' && (await uploadOpen(ctx, progress))) throw err;
      if (verificationProblem(source, await existingTarget(client, target))) {
        return await startAgain(ctx, progress, at, claim);
      }
      const outcome = await finishExport(ctx, source, target, record, phase, claim);
      await deleteProgress(client, at);
      return outcome;
    }
    if (transferred.handedOver) {
      await claim.handOver(Date.now() + DEFAULTS.handOverHoldMs);
      const next = { ...progress, completed: transferred.handedOver.completed, invocations: progress.invocations + 1 };
      await saveProgress(client, config, next, at);
      return record.emit('continuing');
    }
    const outcome = await finishExport(ctx, source, target, record, phase, claim);
    await deleteProgress(client, at);
    return outcome;
  } catch (err) {
    if (err instanceof ExportError && err.abandonUpload) {
      // The upload was aborted: nothing is left to continue, and the message says what to do with the source.
      await claim?.release();
      await deleteProgress(client, at);
      kept = '';
    } else {
      // Kept for the retry: the claim must outlive the wait for it, or others would take the upload for an orphan.
      await claim?.handOver(Date.now() + DEFAULTS.handOverHoldMs).catch(() => undefined);
    }
    throw failed(ctx, record, phase.current, err, kept);
  }
}
