import { GetObjectCommand, type ChecksumAlgorithm } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { StrategyContext, StrategyResult } from './copy';
import type { ObjectFacts } from './facts';
import { multipartChecksum, writeParams } from './target-params';

const singlePutChecksum = (source: ObjectFacts): { ChecksumAlgorithm?: ChecksumAlgorithm } =>
  source.checksum?.fullObject ? { ChecksumAlgorithm: source.checksum.algorithm as ChecksumAlgorithm } : {};

/**
 * How many parts may be in flight when streaming. lib-storage holds each in memory, plus the part being filled and,
 * briefly, its concatenated copy; the queue shrinks for large parts so all that stays within half of `memoryBytes`.
 */
export function streamQueueSize(partSize: number, queueSize: number, memoryBytes?: number): number {
  if (memoryBytes === undefined) return queueSize;
  return Math.max(1, Math.min(queueSize, Math.floor(memoryBytes / 2 / partSize) - 2));
}

/**
 * GetObject of the exact version piped into lib-storage's Upload (PutObject up to one part, multipart above it), for
 * targets a server-side copy cannot reach. Bytes pass through the function, so memory is bounded by part size times
 * queue size whatever the object's size, and throughput by the function's network.
 */
export async function streamObject(ctx: StrategyContext & { memoryBytes?: number }): Promise<StrategyResult> {
  const { client, source, target, signal } = ctx;
  const got = await client.send(
    new GetObjectCommand({ Bucket: source.bucket, Key: source.key, VersionId: source.versionId }),
    { abortSignal: signal },
  );
  const body = got.Body as Readable;
  const abortController = new AbortController();
  const onAbort = () => abortController.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const parts = Math.max(1, Math.ceil(source.size / ctx.partSize));
  try {
    const upload = new Upload({
      client,
      params: {
        ...writeParams(source, target),
        // The SDK computes the source's algorithm over what it sends and S3 checks it on arrival; for a multipart
        // write only the CRCs can also give the target a full-object value that verification compares.
        ...(parts > 1 ? multipartChecksum(source) : singlePutChecksum(source)),
        Body: body,
        ContentLength: source.size,
      },
      partSize: ctx.partSize,
      queueSize: streamQueueSize(ctx.partSize, ctx.queueSize, ctx.memoryBytes),
      leavePartsOnError: false,
      abortController,
    });
    let loaded = 0;
    upload.on('httpUploadProgress', (p) => {
      ctx.partDone?.((p.loaded ?? loaded) - loaded);
      loaded = p.loaded ?? loaded;
    });
    await upload.done();
    return { strategy: 'stream', parts };
  } finally {
    signal.removeEventListener('abort', onAbort);
    body.destroy();
  }
}
