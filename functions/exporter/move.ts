import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { exportPrefix } from '../../naming';
import type { ExporterConfig } from './config';
import { explain, ExportError, type Phase } from './errors';
import { keyCandidates, type ObjectCreated } from './event';
import { s3Url, type ObjectFacts } from './facts';
import { throughputMiBs, type Logger, type ObjectLog, type Outcome } from './log';
import { head, resolveSource } from './resolve';
import { isAccessDenied, isNotFound } from './retry';
import { Transfer, type TransferResult } from './transfer';
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
  );
}

/** Copies one object to the target, verifies it, then deletes exactly that source version (unless keep_files). */
export async function moveObject(ctx: MoveContext, event: ObjectCreated): Promise<Outcome> {
  const { client, config } = ctx;
  const started = Date.now();
  let phase: Phase = 'read-source';
  let source: Pick<ObjectFacts, 'bucket' | 'key' | 'versionId'> & { size?: number } = {
    bucket: event.bucket,
    key: event.key,
    ...(event.versionId !== undefined && { versionId: event.versionId }),
  };
  let transfer: TransferResult | undefined;
  let transferMs = 0;
  const emit = (outcome: Outcome, error?: string): Outcome => {
    const line: ObjectLog = {
      level: outcome === 'failed' ? 'error' : outcome === 'refused' ? 'warn' : 'info',
      dataset: config.dataset,
      bucket: source.bucket,
      key: source.key,
      version: source.versionId ?? null,
      target_bucket: config.targetBucket,
      bytes: source.size ?? event.size ?? null,
      strategy: transfer?.strategy ?? 'none',
      parts: transfer?.parts ?? 0,
      duration_ms: Date.now() - started,
      throughput_mib_s: transfer ? throughputMiBs(transfer.bytes, transferMs) : null,
      outcome,
      error: error ?? null,
    };
    ctx.log(line);
    return outcome;
  };

  const prefix = exportPrefix(config.dataset);
  const candidates = keyCandidates(event).filter((k) => k.startsWith(prefix));
  if (candidates.length === 0) {
    return emit('refused', `the key is outside ${prefix} (dataset ${config.dataset}): not copied, not deleted`);
  }
  const deleteSource = async (facts: ObjectFacts) => {
    phase = 'delete-source';
    if (!facts.versionId) {
      throw new ExportError(
        `${s3Url(
          facts,
        )} was copied and verified but not deleted: the event names no version, so a delete could remove ` +
          'a newer upload. The export bucket must have versioning enabled.',
        'NoVersion',
      );
    }
    await client.send(new DeleteObjectCommand({ Bucket: facts.bucket, Key: facts.key, VersionId: facts.versionId }));
  };

  try {
    const found = await resolveSource(client, event, candidates);
    if (found.status === 'gone') return emit('already_moved');
    source = found.source;
    if (found.status === 'superseded') {
      if (!config.keepFiles) await deleteSource(found.source);
      return emit('superseded', `replaced by ${found.by} before it was exported`);
    }
    const src = found.source;
    const target = { bucket: config.targetBucket, key: targetKey(src.key) };

    phase = 'write-target';
    if (targetDecision(src, await existingTarget(client, target.bucket, target.key), config.keepFiles) === 'copy') {
      const t0 = Date.now();
      try {
        transfer = await new Transfer({
          client,
          source: src,
          target,
          mode: config.transferMode,
          multipartThresholdBytes: config.multipartThresholdBytes,
          partSizeBytes: config.partSizeBytes,
          queueSize: config.partConcurrency,
          ...(ctx.memoryBytes !== undefined && { memoryBytes: ctx.memoryBytes }),
          ...(ctx.abortSignal && { abortSignal: ctx.abortSignal }),
        }).done();
      } catch (err) {
        // A repeated event racing this one may have moved the source meanwhile: then there is nothing left to do.
        if (isNotFound(err) && (await resolveSource(client, event, candidates)).status === 'gone') {
          return emit('already_moved');
        }
        throw err;
      }
      transferMs = Date.now() - t0;
    }

    phase = 'verify';
    const problem = provenByWrite(src, transfer?.written)
      ? undefined
      : verificationProblem(src, await head(client, target.bucket, target.key));
    if (problem) {
      throw new ExportError(
        `Export of ${s3Url(src)} to s3://${target.bucket}/${target.key} failed verification: ${problem}. ` +
          'The source was kept; the event will be retried.',
        'VerificationFailed',
      );
    }
    const copied = transfer !== undefined;
    if (config.keepFiles) return emit(copied ? 'copied' : 'already_there');
    await deleteSource(src);
    return emit(copied ? 'moved' : 'already_there');
  } catch (err) {
    const e = explain(err, {
      phase,
      dataset: config.dataset,
      principal: ctx.principal,
      source,
      targetBucket: config.targetBucket,
      ...(config.targetKeyArn !== undefined && { targetKeyArn: config.targetKeyArn }),
    });
    emit('failed', e.message);
    throw e;
  }
}
