import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { saveProgress } from './progress';
import { exportPrefix } from '../../naming';
import type { ExporterConfig } from './config';
import { explain, ExportError, type Phase } from './errors';
import { keyCandidates, type ObjectCreated } from './event';
import { s3Url, type ObjectFacts } from './facts';
import type { Logger, Outcome } from './log';
import { ExportRecord } from './record';
import { head, resolveSource } from './resolve';
import { isAccessDenied, isNotFound } from './retry';
import type { TargetLocation } from './target-params';
import { Transfer, type TransferOptions, type TransferResult } from './transfer';
import { compareObjects, provenByWrite, verificationProblem } from './verify';

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
}

/** Receivers find each file under the path the analyst wrote, dataset prefix included. One rule, in one place. */
export const targetKey = (sourceKey: string): string => sourceKey;

const newerThan = (a?: Date, b?: Date): boolean => a !== undefined && b !== undefined && a.getTime() > b.getTime();

/** The target before copying: 403 counts as absent, since without s3:ListBucket S3 answers 403 for a missing key. */
async function existingTarget(client: S3Client, bucket: string, key: string): Promise<ObjectFacts | undefined> {
  try {
    return await head(client, bucket, key);
  } catch (err) {
    if (isAccessDenied(err)) return undefined;
    throw err;
  }
}

/**
 * Whether the target already holds this version (skip the copy), or something a copy must not overwrite: an object
 * written after this version was uploaded that is not provably this version. That happens when an older upload's
 * event arrives after a newer upload of the same key was exported; copying would put old bytes over new ones.
 */
function targetDecision(source: ObjectFacts, target: ObjectFacts | undefined, keepFiles: boolean): 'copy' | 'skip' {
  if (!target) return 'copy';
  const same = compareObjects(source, target);
  if (same === 'same') return 'skip';
  if (!newerThan(target.lastModified, source.lastModified)) return 'copy';
  // A kept source stays the newest version until a newer upload supersedes it (resolve then says so): an unprovable
  // newer target is an earlier copy of this version or the receiver's own write, and copying again is harmless.
  if (same === 'unknown' && keepFiles) return 'copy';
  const when =
    `written ${target.lastModified?.toISOString()}, ` +
    `after this version was uploaded ${source.lastModified?.toISOString()}`;
  const what =
    same === 'different'
      ? `holds different bytes ${when}: most likely a newer upload of the same key was exported first ` +
        '(events can arrive late)'
      : `holds an object ${when}, and S3 reports no checksum to tell whether it is this version ` +
        '(copied by an earlier attempt) or a newer upload';
  throw new ExportError(
    `Export of ${s3Url(source)} stopped: s3://${target.bucket}/${target.key} ${what}. It was not overwritten and the ` +
      'source was kept: compare the two, then delete the source version, or upload the file again to export it.',
    'TargetIsNewer',
    { abandonUpload: true },
  );
}

/** The options every transfer of this function shares: client, sizes, concurrency, memory, deadline. */
export function transferOptions(
  ctx: MoveContext,
): Pick<
  TransferOptions,
  | 'client'
  | 'mode'
  | 'multipartThresholdBytes'
  | 'partSizeBytes'
  | 'queueSize'
  | 'memoryBytes'
  | 'abortSignal'
  | 'handOver'
> {
  const { config } = ctx;
  return {
    client: ctx.client,
    mode: config.transferMode,
    multipartThresholdBytes: config.multipartThresholdBytes,
    partSizeBytes: config.partSizeBytes,
    queueSize: config.partConcurrency,
    ...(ctx.memoryBytes !== undefined && { memoryBytes: ctx.memoryBytes }),
    ...(ctx.abortSignal && { abortSignal: ctx.abortSignal }),
    ...(ctx.handOver && { handOver: ctx.handOver }),
  };
}

/** What the target was before a copy began (null: absent), to tell later whether someone wrote it meanwhile. */
export type TargetSeen = { readonly etag?: string; readonly lastModified?: string } | null;

export const targetSeen = (t: ObjectFacts | undefined): TargetSeen =>
  t ? { ...(t.etag && { etag: t.etag }), ...(t.lastModified && { lastModified: t.lastModified.toISOString() }) } : null;

/**
 * The check before a multipart copy or stream completes. While it ran (for hours, if it spanned invocations) the
 * export of a newer upload of the same file may have written the target: completing would put old bytes over new
 * ones. So the target must be as it was when the transfer began, absent, or provably this very object (a repeated
 * event's copy). Timestamps cannot decide this: S3 gives them to the second.
 */
export const guardTarget =
  (ctx: MoveContext, src: ObjectFacts, target: TargetLocation, seen: TargetSeen) => async (): Promise<void> => {
    const now = await existingTarget(ctx.client, target.bucket, target.key);
    if (!now || compareObjects(src, now) === 'same') return;
    const unchanged =
      seen !== null && now.etag === seen.etag && now.lastModified?.toISOString() === seen.lastModified;
    if (unchanged) return;
    throw new ExportError(
      `Export of ${s3Url(src)} stopped before completing: s3://${target.bucket}/${target.key} was written while ` +
        `this copy ran (${now.lastModified?.toISOString()}), most likely by the export of a newer upload of the ` +
        'same file. It was not overwritten and the source was kept: compare the two, then delete the source ' +
        'version, or upload the file again to export it.',
      'TargetIsNewer',
      { abandonUpload: true },
    );
  };

/** Deletes exactly the exported version; a newer upload at the key is never touched. */
async function deleteSource(client: S3Client, facts: ObjectFacts): Promise<void> {
  if (!facts.versionId) {
    throw new ExportError(
      `${s3Url(facts)} was copied and verified but not deleted: the event names no version, so a delete could ` +
        'remove a newer upload. The export bucket must have versioning enabled.',
      'NoVersion',
    );
  }
  await client.send(new DeleteObjectCommand({ Bucket: facts.bucket, Key: facts.key, VersionId: facts.versionId }));
}

/**
 * After the transfer: verify the target (from S3's answer to the write when it proves the copy, else HeadObject),
 * then delete the source version unless keep_files. `phase` follows along for the error message.
 */
export async function finishExport(
  ctx: MoveContext,
  src: ObjectFacts,
  target: TargetLocation,
  record: ExportRecord,
  phase: { current: Phase },
): Promise<Outcome> {
  phase.current = 'verify';
  const problem = provenByWrite(src, record.transfer?.written)
    ? undefined
    : verificationProblem(src, await head(ctx.client, target.bucket, target.key));
  if (problem) {
    throw new ExportError(
      `Export of ${s3Url(src)} to s3://${target.bucket}/${target.key} failed verification: ${problem}. ` +
        'The source was kept; the event will be retried.',
      'VerificationFailed',
    );
  }
  const copied = record.transfer !== undefined;
  if (ctx.config.keepFiles) return record.emit(copied ? 'copied' : 'already_there');
  phase.current = 'delete-source';
  await deleteSource(ctx.client, src);
  return record.emit(copied ? 'moved' : 'already_there');
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
    ...(config.targetKeyArn !== undefined && { targetKeyArn: config.targetKeyArn }),
  });
  e.message += note;
  record.emit('failed', e.message);
  return e;
}

/** Copies one object to the target, verifies it, then deletes exactly that source version (unless keep_files). */
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

  // With one reading of the key, the target is known before the source is resolved: ask about both at once, which
  // saves a round trip on every export (the answer is only wasted when the event turns out to be stale).
  const early =
    candidates.length === 1 ? existingTarget(client, config.targetBucket, targetKey(candidates[0])) : undefined;
  early?.catch(() => undefined); // awaited below when needed; an early return must not leave it unhandled
  try {
    const found = await resolveSource(client, event, candidates);
    if (found.status === 'gone') return record.emit('already_moved');
    record.source = found.source;
    if (found.status === 'superseded') {
      phase.current = 'delete-source';
      if (!config.keepFiles) await deleteSource(client, found.source);
      return record.emit('superseded', `replaced by ${found.by} before it was exported`);
    }
    const src = found.source;
    const target = { bucket: config.targetBucket, key: targetKey(src.key) };

    phase.current = 'write-target';
    const existing = await (early ?? existingTarget(client, target.bucket, target.key));
    if (targetDecision(src, existing, config.keepFiles) === 'copy') {
      const seen = targetSeen(existing);
      const beforeComplete = guardTarget(ctx, src, target, seen);
      let transferred: TransferResult;
      try {
        transferred = await record.run(new Transfer({ ...transferOptions(ctx), source: src, target, beforeComplete }));
      } catch (err) {
        // A repeated event racing this one may have moved the source meanwhile: then there is nothing left to do.
        if (isNotFound(err) && (await resolveSource(client, event, candidates)).status === 'gone') {
          return record.emit('already_moved');
        }
        throw err;
      }
      const progress = transferred.handedOver;
      if (progress) {
        await saveProgress(client, config, {
          source: src,
          target,
          strategy: transferred.strategy === 'stream' ? 'stream' : 'multipart-copy',
          partSize: transferred.partSize,
          ...progress,
          invocations: 1,
          startedAt: new Date(record.startedAt).toISOString(),
          targetSeen: seen,
        });
        return record.emit('continuing');
      }
    }
    return await finishExport(ctx, src, target, record, phase);
  } catch (err) {
    throw failed(ctx, record, phase.current, err);
  }
}
