import { continuationPrefix } from '../../naming';
import { abortUpload } from './multipart';
import { ExportError, type Phase } from './errors';
import type { ObjectCreated } from './event';
import type { Outcome } from './log';
import { failed, finishExport, guardTarget, transferOptions, type MoveContext } from './move';
import { deleteProgress, loadProgress, saveProgress } from './progress';
import { ExportRecord } from './record';
import { partCount } from './plan';
import { head } from './resolve';
import { errorCode } from './retry';
import { Transfer, type TransferResult } from './transfer';

/** Whether the event is for a progress object of this dataset's exporter rather than for an upload. */
export const isContinuation = (dataset: string, event: ObjectCreated): boolean =>
  event.key.startsWith(continuationPrefix(dataset));

/**
 * Continues a multipart copy or stream an earlier invocation handed over (see progress.ts): writes the parts missing,
 * then finishes as any export does, or hands over again. A failure keeps the upload and the progress, so Lambda's
 * retry of this event (or a redrive from the dead-letter queue) continues from the same place.
 */
export async function continueMove(ctx: MoveContext, event: ObjectCreated): Promise<Outcome> {
  const { client, config } = ctx;
  const phase: { current: Phase } = { current: 'read-source' };
  const record = new ExportRecord(config, ctx.log, { bucket: event.bucket, key: event.key });
  if (event.versionId === undefined) {
    throw failed(
      ctx,
      record,
      phase.current,
      new ExportError(
        `the event for s3://${event.bucket}/${event.key} names no version: the export bucket must have versioning on`,
        'NoVersion',
      ),
    );
  }
  const at = { bucket: event.bucket, key: event.key, versionId: event.versionId };
  let kept = '';
  try {
    const progress = await loadProgress(client, config, at);
    // A repeated event for progress that was replaced or finished with: the copy went on without it.
    if (!progress) return record.emit('already_moved');
    record.source = progress.source;
    const upload = { Bucket: progress.target.bucket, Key: progress.target.key, UploadId: progress.uploadId };
    if (!(await head(client, progress.source.bucket, progress.source.key, progress.source.versionId))) {
      // Deleted, or exported by a repeated upload event's own copy: the upload here is of no use any more.
      await abortUpload(client, upload, 3, new Error('source version gone'));
      await deleteProgress(client, at);
      return record.emit('already_moved');
    }
    const total = partCount(progress.source.size, progress.partSize);
    kept =
      ` The multipart upload ${progress.uploadId} and its progress (${progress.completed.length} of ${total} parts) ` +
      'were kept: the retry continues from there.';

    phase.current = 'write-target';
    let transferred: TransferResult;
    try {
      transferred = await record.run(
        new Transfer({
          ...transferOptions(ctx),
          mode: progress.strategy === 'stream' ? 'stream' : 'copy',
          partSizeBytes: progress.partSize,
          source: progress.source,
          target: progress.target,
          resume: { uploadId: progress.uploadId, completed: progress.completed },
          beforeComplete: guardTarget(ctx, progress.source, progress.target, progress.targetSeen),
        }),
      );
    } catch (err) {
      // A continuation started by a repeated event for the same progress completed (or abandoned) the upload while
      // this one ran: what is there now is verified like any copy, and the progress is cleared.
      if (errorCode(err) !== 'NoSuchUpload') throw err;
      const outcome = await finishExport(ctx, progress.source, progress.target, record, phase);
      await deleteProgress(client, at);
      return outcome;
    }
    if (transferred.handedOver) {
      const { completed } = transferred.handedOver;
      await saveProgress(client, config, { ...progress, completed, invocations: progress.invocations + 1 }, at);
      return record.emit('continuing');
    }
    const outcome = await finishExport(ctx, progress.source, progress.target, record, phase);
    await deleteProgress(client, at);
    return outcome;
  } catch (err) {
    if (err instanceof ExportError && err.abandonUpload) {
      // The upload was aborted: nothing is left to continue, and the message says what to do with the source.
      await deleteProgress(client, at);
      kept = '';
    }
    throw failed(ctx, record, phase.current, err, kept);
  }
}
