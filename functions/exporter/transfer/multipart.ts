import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ExportError, UploadLeftError, errorCode, withRetries } from '../errors';
import { CHECKSUM_ALGORITHMS, writtenObject, type ObjectFacts, type WrittenObject, expectOwner } from '../object';
import { planParts, type Part } from './parts';
import { multipartChecksum, targetUpload, writeParams, type TargetLocation, type TargetUpload } from './requests';

export interface StrategyContext {
  readonly client: S3Client;
  readonly source: ObjectFacts;
  /** Where to write, and the approved account that must own the target bucket (named on every request there). */
  readonly target: TargetLocation;
  /** The account that must own the source's bucket (PLATFORM_ACCOUNT), named on every read and copy of the source. */
  readonly sourceOwner: string;
  readonly partSize: number;
  readonly partConcurrency: number;
  readonly partAttempts: number;
  /** Aborting cancels requests in flight; the multipart upload is then aborted too (unless handed over, see below). */
  readonly signal: AbortSignal;
  /** Continue this upload (handed over by an earlier invocation) instead of creating one; a failure leaves it open. */
  readonly handover?: OpenUpload;
  /** Asked before each part starts: true stops starting parts; the upload is handed over once those in flight end. */
  readonly handOver?: () => boolean;
  /**
   * Runs just before the one request that makes the object appear at the target (CopyObject, PutObject,
   * CompleteMultipartUpload); throwing stops it. An error with `abandonUpload` set aborts even a carried-over upload
   * (it can never be completed). 'skip' (the target holds these bytes already) skips a CopyObject; the other
   * strategies write anyway, as their bytes are already in the upload.
   */
  readonly beforeWrite?: () => Promise<'write' | 'skip'>;
  /**
   * Told of the multipart upload as soon as S3 created it, and of how many attempts the create took (more than one:
   * S3 may have created another upload whose answer was lost).
   */
  readonly onUpload?: (uploadId: string, attempts: number) => Promise<void>;
  /** Told of each part (or whole object) once it is in the target, with its size. */
  readonly partDone?: (bytes: number) => void;
}

/** A multipart upload left open for a later invocation: enough to write its missing parts and complete it. */
export interface OpenUpload {
  readonly strategy: MultipartStrategy;
  readonly uploadId: string;
  /** Parts already in the upload, as CompleteMultipartUpload needs them. */
  readonly completed: readonly CompletedPart[];
}

/** How one object is written: one CopyObject, UploadPartCopy of its parts, or its bytes read and uploaded. */
export type Strategy = 'copy-object' | MultipartStrategy;
export type MultipartStrategy = 'multipart-copy' | 'stream';

export interface StrategyResult {
  readonly strategy: Strategy;
  readonly parts: number;
  /** Set when a multipart transfer stopped early (`handOver`): the upload is left open for the next invocation. */
  readonly handedOver?: OpenUpload;
  /** What S3 answered about the object it wrote, when it said anything: may prove the copy without a HeadObject. */
  readonly written?: WrittenObject;
  /** Nothing was written: the target held these bytes already (`beforeWrite` said so). */
  readonly skipped?: boolean;
}

/**
 * Runs `work` over `items` with at most `limit` at once; stops starting new items after the first failure, or once
 * `stop` says so.
 */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length && !stop()) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}

/** What S3 answers for one part written: its ETag and, when the upload has a checksum algorithm, its checksum. */
export type PartAnswer = { readonly ETag?: string };

export function completedPart(partNumber: number, result: PartAnswer | undefined): CompletedPart {
  if (!result?.ETag) throw new Error(`writing part ${partNumber} returned no ETag`);
  const answer = result as Record<string, unknown>;
  const done: Record<string, unknown> = { PartNumber: partNumber, ETag: result.ETag };
  // A multipart upload created with a checksum algorithm fails to complete unless every part's checksum is sent.
  for (const a of CHECKSUM_ALGORITHMS) if (answer[`Checksum${a}`]) done[`Checksum${a}`] = answer[`Checksum${a}`];
  return done as CompletedPart;
}

/**
 * Whether a multipart transfer stops starting parts: once `timeIsShort` says so, but never before one part has
 * started, so every invocation writes at least one and a chain of hand-overs always ends. Time is asked only then.
 */
export const stopsStarting = (started: number, timeIsShort?: () => boolean): boolean =>
  started > 0 && timeIsShort?.() === true;

/** Writes one part's byte range of the source into the upload (naming the target's owner); retried by the caller. */
export type PartWriter = (part: Part, upload: TargetUpload, signal: AbortSignal) => Promise<PartAnswer | undefined>;

/**
 * CreateMultipartUpload with the source's headers (parts carry bytes only), `writePart` for each byte range of the
 * exact version with at most `partConcurrency` in flight, CompleteMultipartUpload. Any failure aborts the upload so no
 * incomplete upload is left in the receiver's bucket (where its storage would be billed to them); an upload carried
 * over from earlier invocations is kept instead, for the retry to continue.
 */
export async function writeMultipart(
  ctx: StrategyContext,
  strategy: MultipartStrategy,
  writePart: PartWriter,
  partConcurrency = ctx.partConcurrency,
): Promise<StrategyResult> {
  const { client, source, target, signal } = ctx;
  const parts = planParts(source.size, ctx.partSize);
  const uploadId = ctx.handover?.uploadId ?? (await createUpload(ctx));
  const upload = targetUpload(target, uploadId);
  const completed: CompletedPart[] = new Array(parts.length);
  for (const done of ctx.handover?.completed ?? []) completed[done.PartNumber! - 1] = done;
  let handingOver = false;
  let started = 0;
  try {
    await forEachBounded(
      parts.filter((part) => !completed[part.partNumber - 1]),
      partConcurrency,
      async (part) => {
        started++;
        const r = await withRetries(() => writePart(part, upload, signal), { attempts: ctx.partAttempts, signal });
        completed[part.partNumber - 1] = completedPart(part.partNumber, r);
        ctx.partDone?.(part.last - part.first + 1);
      },
      () => (handingOver ||= stopsStarting(started, ctx.handOver)),
    );
    signal.throwIfAborted();
    const done = completed.filter(Boolean);
    if (done.length < parts.length) {
      return { strategy, parts: parts.length, handedOver: { strategy, uploadId, completed: done } };
    }
    await ctx.beforeWrite?.();
    // RGW answers an empty ETag when completing into another user's bucket: the result is checked by HeadObject later.
    let tries = 0;
    const out = await withRetries(
      async () => {
        tries++;
        try {
          return await client.send(
            new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: completed } }),
          );
        } catch (err) {
          // A retry after a lost response, or of an invocation that failed after completing a carried-over upload,
          // finds it completed already; verification decides whether it is.
          if (!((tries > 1 || ctx.handover) && errorCode(err) === 'NoSuchUpload')) throw err;
          return undefined;
        }
      },
      { attempts: ctx.partAttempts },
    );
    return { strategy, parts: parts.length, ...(out && { written: writtenObject(out, out.VersionId) }) };
  } catch (err) {
    // An upload carried over from earlier invocations holds their work: its retry continues it (exportHandedOver).
    if (!ctx.handover || (err instanceof ExportError && err.abandonUpload)) {
      throw await abortUpload(client, upload, ctx.partAttempts, err);
    }
    throw err;
  }
}

/** CreateMultipartUpload with the source's headers; the upload is told to `onUpload` before anything else. */
async function createUpload(ctx: StrategyContext): Promise<string> {
  const out = await ctx.client.send(
    new CreateMultipartUploadCommand({ ...writeParams(ctx.source, ctx.target), ...multipartChecksum(ctx.source) }),
    { abortSignal: ctx.signal },
  );
  if (!out.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
  try {
    await ctx.onUpload?.(out.UploadId, out.$metadata.attempts ?? 1);
  } catch (err) {
    throw await abortUpload(ctx.client, targetUpload(ctx.target, out.UploadId), ctx.partAttempts, err);
  }
  return out.UploadId;
}

/** The incomplete multipart uploads at exactly the target's key (ListMultipartUploads, naming the bucket's owner). */
export async function uploadsAt(
  client: S3Client,
  target: TargetLocation,
): Promise<{ readonly uploadId: string; readonly initiated?: Date }[]> {
  const out = await client.send(
    new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: target.key, ...expectOwner(target.owner) }),
  );
  return (out.Uploads ?? [])
    .filter((u) => u.Key === target.key && u.UploadId)
    .map((u) => ({ uploadId: u.UploadId!, ...(u.Initiated && { initiated: u.Initiated }) }));
}

/**
 * Aborts without a signal (the transfer's may be the reason we are here), then gives back the error to throw: `cause`
 * itself, or, when the abort failed too, an UploadLeftError that says so and is classified as `cause`.
 */
export async function abortUpload(
  client: S3Client,
  upload: TargetUpload,
  attempts: number,
  cause: unknown,
): Promise<unknown> {
  try {
    await withRetries(() => client.send(new AbortMultipartUploadCommand(upload)), { attempts });
    return cause;
  } catch (abortErr) {
    return new UploadLeftError(upload, abortErr, cause);
  }
}
