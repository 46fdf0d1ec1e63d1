import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KeyClaim } from './claim';
import { claimOptions, type ExportContext } from './context';
import { ExportError, inStep, stepOf } from './errors';
import { explain } from './explain';
import { head, type Resolution } from './event';
import { compareSequencers, defer, forget } from './ledger';
import { readLedger, updateLedger } from './ledger-store';
import type { ExportLog, Outcome } from './log';
import { expectOwner, provenByWrite, s3Url, verificationProblem, type ObjectFacts } from './object';
import { writeReceipt, type Delivery } from './receipt';
import type { TargetLocation } from './transfer/requests';

/**
 * The end of one object's export, after its transfer or once nothing is left to write: verify, write the receipt,
 * record the delivery, delete the exported version and the older ones that waited for it (unless keep_files); or,
 * when it failed, say so in its log line and receipt (`failed`).
 */

/** Deletes exactly the exported version (the export bucket is `owner`'s); a newer upload is never touched. */
export async function deleteSource(client: S3Client, owner: string, facts: ObjectFacts): Promise<void> {
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
 * Verifies the target: from S3's answer to the write when it proves the copy, else by HeadObject. Returns how, and
 * the target's ETag (which the ledger records as our delivery) and version.
 */
async function verify(ctx: ExportContext, src: ObjectFacts, target: TargetLocation, log: ExportLog): Promise<Delivery> {
  const written = log.transfer?.written;
  const byChecksum = src.checksum?.fullObject === true;
  if (provenByWrite(src, written)) return delivery(byChecksum ? 'checksum' : 'etag', written);
  const now = await head(ctx.client, target);
  const problem = verificationProblem(src, now);
  if (problem) {
    throw new ExportError(
      `Export of ${s3Url(src)} to s3://${target.bucket}/${target.key} failed verification: ${problem}. ` +
        'The source was kept; the event will be retried.',
      'VerificationFailed',
    );
  }
  const sameEtag = src.etag !== undefined && src.etag === now?.etag;
  return delivery(byChecksum ? 'checksum' : sameEtag ? 'etag' : 'size', now);
}

const delivery = (verifiedBy: Delivery['verifiedBy'], o?: { etag?: string; versionId?: string }): Delivery => ({
  verifiedBy,
  ...(o?.etag && { etag: o.etag }),
  ...(o?.versionId && { versionId: o.versionId }),
});

/**
 * Records the delivery in the ledger, then (unless keep_files) deletes the older versions that waited for it and the
 * exported version itself. The delivery is recorded before the delete: a late event for an older upload must find it.
 */
async function recordAndDelete(ctx: ExportContext, src: ObjectFacts, claim: KeyClaim, done: Delivery, receipt: string) {
  const older = await claim.commit(done.etag, receipt);
  if (ctx.config.keepFiles) return;
  const owner = ctx.config.platformAccount;
  for (const v of older) await deleteVersion(ctx.client, owner, src, v.versionId);
  await claim.forget(older);
  await deleteSource(ctx.client, owner, src);
}

/**
 * After the transfer: verify, write the receipt, record, delete; then any orphan upload at the key is swept, and the
 * line logged.
 */
export async function finishExport(
  ctx: ExportContext,
  src: ObjectFacts,
  target: TargetLocation,
  log: ExportLog,
  claim: KeyClaim,
): Promise<Outcome> {
  const done = await inStep('verify', () => verify(ctx, src, target, log));
  const copied = log.transfer !== undefined && !log.transfer.skipped;
  const outcome = copied ? (ctx.config.keepFiles ? 'copied' : 'moved') : 'already_there';
  // The receipt before the ledger and the delete: no source goes without one.
  const receipt = await inStep('write-receipt', () => writeReceipt(ctx, log, { outcome, delivery: done }));
  await inStep('delete-source', () => recordAndDelete(ctx, src, claim, done, receipt));
  const multipart = log.transfer !== undefined && log.transfer.strategy !== 'copy-object';
  const warning = multipart ? await inStep('delete-source', () => claim.sweep()) : undefined;
  return log.emit(outcome, warning);
}

/**
 * Older versions that waited for a delivery the ledger now records, deleted (again) and forgotten: the delivery's
 * own invocation may have stopped between recording it and deleting them, and its retry then finds it delivered.
 */
async function settleWaiting(ctx: ExportContext, src: ObjectFacts): Promise<void> {
  const { ledger } = claimOptions(ctx, src.key);
  const { delivered, waiting } = await readLedger(ctx.client, ledger);
  const older = delivered ? waiting.filter((w) => compareSequencers(w.sequencer, delivered.sequencer) < 0) : [];
  for (const v of older) await deleteVersion(ctx.client, ctx.config.platformAccount, src, v.versionId);
  if (older.length) await updateLedger(ctx.client, ledger, (r) => forget(r, older));
}

/** The claim found nothing to write: a newer upload was delivered (this one is not), or this one was already. */
export async function finishUnwritten(
  ctx: ExportContext,
  src: ObjectFacts,
  log: ExportLog,
  why: 'superseded' | 'delivered',
): Promise<Outcome> {
  const note = why === 'superseded' ? 'a newer upload was delivered first' : undefined;
  // A delivered upload has its receipt already (written before the delivery was recorded), so this create is refused
  // and that one stands; only a delivery recorded before receipts existed gets its receipt here.
  const outcome = why === 'delivered' ? 'already_there' : 'superseded';
  await inStep('write-receipt', () => writeReceipt(ctx, log, { outcome, ...(note && { error: note }) }));
  if (!ctx.config.keepFiles) {
    await inStep('delete-source', async () => {
      await settleWaiting(ctx, src);
      await deleteSource(ctx.client, ctx.config.platformAccount, src);
    });
  }
  return log.emit(outcome, note);
}

/**
 * A version a newer upload or a deletion replaced before it was exported is not delivered. Unless keep_files it is
 * deleted, but only once something newer reached the target (or the user deleted the file): until the newer
 * upload's delivery, the ledger keeps it waiting, and that delivery deletes it.
 */
export async function finishSuperseded(
  ctx: ExportContext,
  found: Extract<Resolution, { status: 'superseded' }>,
  sequencer: string,
  log: ExportLog,
): Promise<Outcome> {
  const waits = !ctx.config.keepFiles && found.by === 'a newer upload';
  const note = `replaced by ${found.by} before it was exported${waits ? '; deleted once a newer upload is delivered' : ''}`;
  // The receipt first: a version waiting in the ledger may be deleted by the newer upload's delivery at any time.
  await inStep('write-receipt', () => writeReceipt(ctx, log, { outcome: 'superseded', error: note }));
  if (ctx.config.keepFiles) return log.emit('superseded', note);
  if (waits) {
    const { ledger } = claimOptions(ctx, found.source.key);
    const versionId = found.source.versionId!;
    const d = await updateLedger(ctx.client, ledger, (r) => defer(r, { sequencer, versionId }), ctx.abortSignal);
    if (d.result === 'deferred') return log.emit('superseded', note);
  }
  await deleteSource(ctx.client, ctx.config.platformAccount, found.source);
  return log.emit('superseded', note);
}

/**
 * Wraps a failure in an ExportError that says what to do (worded by the step that raised it, plus `note`), logs it,
 * writes the failed attempt's receipt, and returns it to throw. The receipt is best effort (the log line says it
 * all), and not tried when writing receipts is what failed.
 */
export async function failed(ctx: ExportContext, log: ExportLog, err: unknown, note = ''): Promise<ExportError> {
  const { config } = ctx;
  const { phase, failure } = stepOf(err);
  const e = explain(failure, {
    phase,
    dataset: config.dataset,
    principal: ctx.principal,
    source: log.source,
    targetBucket: config.targetBucket,
    targetBucketOwner: config.targetBucketOwner,
    platformAccount: config.platformAccount,
    ...(config.targetKeyArn !== undefined && { targetKeyArn: config.targetKeyArn }),
    note,
  });
  log.emit('failed', e.message);
  if (phase !== 'write-receipt') {
    await writeReceipt(ctx, log, { outcome: 'failed', error: e.message }).catch(() => undefined);
  }
  return e;
}
