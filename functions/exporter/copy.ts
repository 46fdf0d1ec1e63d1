import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CHECKSUM_ALGORITHMS, writtenObject, type ObjectFacts, type WrittenObject } from './facts';
import { planParts, type Part } from './plan';
import { errorCode, withRetries } from './retry';
import { copySource, multipartChecksum, TARGET_ACL, writeParams, type TargetLocation } from './target-params';

export interface StrategyContext {
  readonly client: S3Client;
  readonly source: ObjectFacts;
  readonly target: TargetLocation;
  readonly partSize: number;
  readonly queueSize: number;
  readonly partAttempts: number;
  /** Aborting cancels requests in flight; the multipart upload is then aborted too (unless resumed, see below). */
  readonly signal: AbortSignal;
  /** Continue this upload instead of creating one. A failure then leaves it open, for the retry to continue. */
  readonly resume?: UploadProgress;
  /** Asked before each part starts: true stops starting parts; the upload is handed over once those in flight end. */
  readonly handOver?: () => boolean;
  /**
   * Runs when every part is in, just before CompleteMultipartUpload; throwing stops the completion. An error with
   * `abandonUpload` set aborts even a carried-over upload (it can never be completed).
   */
  readonly beforeComplete?: () => Promise<void>;
  /** Told of each part (or whole object) once it is in the target, with its size. */
  readonly partDone?: (bytes: number) => void;
}

/** A multipart upload in progress: enough to finish it in a later invocation. */
export interface UploadProgress {
  readonly uploadId: string;
  /** Parts already in the upload, as CompleteMultipartUpload needs them. */
  readonly completed: readonly CompletedPart[];
}

export interface StrategyResult {
  readonly strategy: 'copy-object' | 'multipart-copy' | 'stream';
  readonly parts: number;
  /** Set when a multipart copy stopped early (`handOver`): the upload is left open for the next invocation. */
  readonly handedOver?: UploadProgress;
  /** What S3 answered about the object it wrote, when it said anything: may prove the copy without a HeadObject. */
  readonly written?: WrittenObject;
}

/**
 * One CopyObject of the exact version. Metadata and system headers are copied by S3 itself (directive COPY). Tags
 * are dropped (REPLACE with none), as on the multipart and streamed paths: carrying them would need tagging
 * permissions on both accounts, and every path must give the receiver the same object.
 */
export async function copyObject(ctx: StrategyContext): Promise<StrategyResult> {
  const out = await withRetries(
    () =>
      ctx.client.send(
        new CopyObjectCommand({
          Bucket: ctx.target.bucket,
          Key: ctx.target.key,
          CopySource: copySource(ctx.source),
          ACL: TARGET_ACL,
          MetadataDirective: 'COPY',
          TaggingDirective: 'REPLACE',
        }),
        { abortSignal: ctx.signal },
      ),
    { attempts: ctx.partAttempts, signal: ctx.signal },
  );
  ctx.partDone?.(ctx.source.size);
  return { strategy: 'copy-object', parts: 1, written: writtenObject(out.CopyObjectResult ?? {}) };
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

function completedPart(part: Part, result: Record<string, string | undefined> | undefined): CompletedPart {
  if (!result?.ETag) throw new Error(`UploadPartCopy of part ${part.partNumber} returned no ETag`);
  const done: Record<string, unknown> = { PartNumber: part.partNumber, ETag: result.ETag };
  // A multipart upload created with a checksum algorithm fails to complete unless every part's checksum is sent.
  for (const a of CHECKSUM_ALGORITHMS) if (result[`Checksum${a}`]) done[`Checksum${a}`] = result[`Checksum${a}`];
  return done as CompletedPart;
}

/**
 * CreateMultipartUpload with the source's headers (UploadPartCopy copies bytes only), UploadPartCopy of each byte
 * range of the exact version with at most `queueSize` in flight, CompleteMultipartUpload. Any failure aborts the
 * upload so no incomplete upload is left in the receiver's bucket (where its storage would be billed to them).
 */
export async function copyMultipart(ctx: StrategyContext): Promise<StrategyResult> {
  const { client, source, target, signal } = ctx;
  const parts = planParts(source.size, ctx.partSize);
  const uploadId =
    ctx.resume?.uploadId ??
    (
      await client.send(
        new CreateMultipartUploadCommand({ ...writeParams(source, target), ...multipartChecksum(source) }),
        { abortSignal: signal },
      )
    ).UploadId;
  if (!uploadId) throw new Error('CreateMultipartUpload returned no UploadId');
  const upload = { Bucket: target.bucket, Key: target.key, UploadId: uploadId };
  const completed: CompletedPart[] = new Array(parts.length);
  for (const done of ctx.resume?.completed ?? []) completed[done.PartNumber! - 1] = done;
  let handingOver = false;
  let started = 0;
  try {
    await forEachBounded(
      parts.filter((part) => !completed[part.partNumber - 1]),
      ctx.queueSize,
      async (part) => {
        started++;
        const r = await withRetries(
          () =>
            client.send(
              new UploadPartCopyCommand({
                ...upload,
                PartNumber: part.partNumber,
                CopySource: copySource(source),
                CopySourceRange: `bytes=${part.first}-${part.last}`,
              }),
              { abortSignal: signal },
            ),
          { attempts: ctx.partAttempts, signal },
        );
        completed[part.partNumber - 1] = completedPart(part, r.CopyPartResult as Record<string, string | undefined>);
        ctx.partDone?.(part.last - part.first + 1);
      },
      // Every invocation copies at least one part, so a chain of hand-overs always ends.
      () => (handingOver ||= started > 0 && ctx.handOver?.() === true),
    );
    signal.throwIfAborted();
    const done = completed.filter(Boolean);
    if (done.length < parts.length) {
      return { strategy: 'multipart-copy', parts: parts.length, handedOver: { uploadId, completed: done } };
    }
    await ctx.beforeComplete?.();
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
          if (!((tries > 1 || ctx.resume) && errorCode(err) === 'NoSuchUpload')) throw err;
          return undefined;
        }
      },
      { attempts: ctx.partAttempts },
    );
    return { strategy: 'multipart-copy', parts: parts.length, ...(out && { written: writtenObject(out) }) };
  } catch (err) {
    // An upload carried over from earlier invocations holds their work: its retry continues it (see continuation.ts).
    if (!ctx.resume || (err as { abandonUpload?: boolean }).abandonUpload === true) {
      await abortUpload(client, upload, ctx.partAttempts, err);
    }
    throw err;
  }
}

/** Aborts without a signal (the transfer's may be the reason we are here); a failed abort is told, not hidden. */
export async function abortUpload(
  client: S3Client,
  upload: { Bucket: string; Key: string; UploadId: string },
  attempts: number,
  cause: unknown,
): Promise<void> {
  try {
    await withRetries(() => client.send(new AbortMultipartUploadCommand(upload)), { attempts });
  } catch (abortErr) {
    if (cause instanceof Error) {
      cause.message +=
        ` (and aborting multipart upload ${upload.UploadId} of s3://${upload.Bucket}/${upload.Key} ` +
        `failed too: ${(abortErr as Error).message}; a lifecycle rule AbortIncompleteMultipartUpload removes it)`;
    }
  }
}
