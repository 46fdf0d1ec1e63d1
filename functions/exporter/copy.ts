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
  /** Aborting cancels requests in flight; the multipart upload is then aborted too. */
  readonly signal: AbortSignal;
}

export interface StrategyResult {
  readonly strategy: 'copy-object' | 'multipart-copy' | 'stream';
  readonly parts: number;
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
  return { strategy: 'copy-object', parts: 1, written: writtenObject(out.CopyObjectResult ?? {}) };
}

/** Runs `work` over `items` with at most `limit` at once; stops starting new items after the first failure. */
async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
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
  const created = await client.send(
    new CreateMultipartUploadCommand({ ...writeParams(source, target), ...multipartChecksum(source) }),
    { abortSignal: signal },
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error('CreateMultipartUpload returned no UploadId');
  const upload = { Bucket: target.bucket, Key: target.key, UploadId: uploadId };
  try {
    const completed: CompletedPart[] = new Array(parts.length);
    await forEachBounded(parts, ctx.queueSize, async (part) => {
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
    });
    signal.throwIfAborted();
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
          // A retry after a lost response finds the upload already completed; verification decides whether it is.
          if (!(tries > 1 && errorCode(err) === 'NoSuchUpload')) throw err;
          return undefined;
        }
      },
      { attempts: ctx.partAttempts },
    );
    return { strategy: 'multipart-copy', parts: parts.length, ...(out && { written: writtenObject(out) }) };
  } catch (err) {
    await abortUpload(client, upload, ctx.partAttempts, err);
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
