import { exportPrefix } from '../../naming';
import { KeyClaim } from './claim';
import { claimOptions, failed, targetOf, transferOptions, type MoveContext } from './context';
import { DEFAULTS } from './defaults';
import { ExportError, type Phase } from './errors';
import { keyCandidates, type ObjectCreated } from './event';
import { s3Url, type ObjectFacts } from './facts';
import { deleteSource, finishExport, finishUnwritten } from './finish';
import { defer } from './ledger';
import { updateLedger } from './ledger-store';
import type { Outcome } from './log';
import { partCount } from './plan';
import { saveProgress } from './progress';
import { ExportRecord } from './record';
import { resolveSource, type Resolution } from './resolve';
import { isNotFound } from './retry';
import { Transfer, type TransferResult } from './transfer';
import { NothingToWrite, writeGuard } from './write-guard';

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
