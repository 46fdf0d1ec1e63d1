import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandOutput,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { type ObjectFacts, expectOwner } from '../object';
import {
  abortUpload,
  completedPart,
  writeMultipart,
  type PartAnswer,
  type PartWriter,
  type StrategyContext,
  type StrategyResult,
} from './multipart';
import { partCount, type Part } from './parts';
import { multipartChecksum, targetUpload, writeParams } from './requests';

const singlePutChecksum = (source: ObjectFacts): { ChecksumAlgorithm?: ChecksumAlgorithm } =>
  source.checksum?.fullObject ? { ChecksumAlgorithm: source.checksum.algorithm as ChecksumAlgorithm } : {};

/**
 * How many parts may be in flight when streaming. lib-storage holds each in memory, plus the part being filled and,
 * briefly, its concatenated copy; the queue shrinks for large parts so all that stays within half of `memoryBytes`.
 */
export function streamPartConcurrency(partSize: number, partConcurrency: number, memoryBytes?: number): number {
  if (memoryBytes === undefined) return partConcurrency;
  return Math.max(1, Math.min(partConcurrency, Math.floor(memoryBytes / 2 / partSize) - 2));
}

type StreamContext = StrategyContext & { memoryBytes?: number };

/**
 * For targets a server-side copy cannot reach: bytes pass through the function, so memory is bounded by part size
 * times queue size whatever the object's size, and throughput by the function's network. A stream too long for one
 * invocation hands over like a multipart copy; the next invocation streams the parts still missing.
 */
export async function streamObject(ctx: StreamContext): Promise<StrategyResult> {
  return ctx.handover ? streamMissingParts(ctx) : streamWhole(ctx);
}

/**
 * GetObject of the exact version piped into lib-storage's Upload (PutObject up to one part, multipart above it).
 * lib-storage sends through a watching client (below): when `handOver` says time is running low, no further part is
 * started, the parts in flight end, and the upload is left open with the parts that are in; the write that makes
 * the object appear (PutObject or CompleteMultipartUpload) waits for `beforeWrite`, as a copy's does; and the
 * upload lib-storage creates is told to `onUpload`.
 */
async function streamWhole(ctx: StreamContext): Promise<StrategyResult> {
  const { client, source, target, signal } = ctx;
  const got = await client.send(
    new GetObjectCommand({
      Bucket: source.bucket,
      Key: source.key,
      VersionId: source.versionId,
      ...expectOwner(ctx.sourceOwner),
    }),
    { abortSignal: signal },
  );
  const body = got.Body as Readable;
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const parts = Math.max(1, partCount(source.size, ctx.partSize));
  const watch = watchParts(client, {
    signal,
    owner: target.owner,
    timeIsShort: () => ctx.handOver?.() === true,
    handOver: () => stop.abort(new Error('handing over')),
    ...(ctx.beforeWrite && { beforeWrite: ctx.beforeWrite }),
    ...(ctx.onUpload && { onUpload: ctx.onUpload }),
    ...(ctx.partDone && { partDone: ctx.partDone }),
  });
  const upload = new Upload({
    client: watch.client,
    // writeParams names the target's owner: lib-storage spreads these params into its PutObject,
    // CreateMultipartUpload, UploadPart and CompleteMultipartUpload, so each carries ExpectedBucketOwner.
    params: {
      ...writeParams(source, target),
      // The SDK computes the source's algorithm over what it sends and S3 checks it on arrival; for a multipart
      // write only the CRCs can also give the target a full-object value that verification compares.
      ...(parts > 1 ? multipartChecksum(source) : singlePutChecksum(source)),
      Body: body,
      ContentLength: source.size,
    },
    partSize: ctx.partSize,
    queueSize: streamPartConcurrency(ctx.partSize, ctx.partConcurrency, ctx.memoryBytes),
    // Kept for a hand-over; on failure this function aborts it itself (below). That is also why the abort names the
    // target's owner: lib-storage's own AbortMultipartUpload takes only Bucket, Key and UploadId from the params
    // (lib-storage 3.1175), and with leavePartsOnError it never sends it. The watching client refuses, unsent, any
    // request lib-storage makes without the owner, should a later version send one.
    leavePartsOnError: true,
    abortController: stop,
  });
  try {
    await upload.done();
    return { strategy: 'stream', parts };
  } catch (err) {
    // lib-storage stops waiting at once when aborted; the parts in flight still end (or fail) first.
    await watch.settled();
    if (watch.handingOver() && !signal.aborted && upload.uploadId) {
      return {
        strategy: 'stream',
        parts,
        handedOver: { strategy: 'stream', uploadId: upload.uploadId, completed: watch.completed() },
      };
    }
    if (upload.uploadId) throw await abortUpload(client, targetUpload(target, upload.uploadId), ctx.partAttempts, err);
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    body.destroy();
  }
}

/**
 * The client lib-storage sends with. Every request gets the transfer's signal (lib-storage does not pass one to its
 * parts, so a deadline would not stop them); each part's answer is kept, as a hand-over must name the parts that are
 * in, and told to `partDone` (a part that ends during a hand-over counts too); once `timeIsShort` says so (after at
 * least one part, so a chain of hand-overs always ends) no part starts and `handOver` is called; and
 * PutObject or CompleteMultipartUpload is sent only once `beforeWrite` has passed; the created upload is told to
 * `onUpload` before lib-storage sends its first part. A request that does not name `owner` as the bucket's owner is
 * refused before it is sent (see `leavePartsOnError` above).
 */
function watchParts(
  client: S3Client,
  o: {
    signal: AbortSignal;
    owner: string;
    timeIsShort: () => boolean;
    handOver: () => void;
    beforeWrite?: () => Promise<unknown>;
    onUpload?: (uploadId: string, attempts: number) => Promise<void>;
    partDone?: (bytes: number) => void;
  },
) {
  const completed = new Map<number, ReturnType<typeof completedPart>>();
  const inFlight = new Set<Promise<unknown>>();
  let started = 0;
  let handingOver = false;
  const send = (command: Parameters<S3Client['send']>[0], options?: object) => {
    const sent = client.send(command as never, { ...options, abortSignal: o.signal });
    // lib-storage writes a one-part object with PutObject, any other in parts.
    const partNumber = command instanceof UploadPartCommand ? command.input.PartNumber : undefined;
    if (partNumber === undefined && !(command instanceof PutObjectCommand)) return sent;
    const bytes = (command.input as { Body: Uint8Array }).Body.byteLength;
    const part = sent.then((out) => {
      if (partNumber !== undefined) completed.set(partNumber, completedPart(partNumber, out as PartAnswer));
      o.partDone?.(bytes);
      return out;
    });
    inFlight.add(part);
    void part.then(
      () => inFlight.delete(part),
      () => inFlight.delete(part),
    );
    return part;
  };
  const watched = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return (command: Parameters<S3Client['send']>[0], options?: object) => {
        const unpinned = refuseUnpinned(command, o.owner);
        if (unpinned) return unpinned;
        if (command instanceof UploadPartCommand) {
          if (!handingOver && started > 0 && o.timeIsShort()) {
            handingOver = true;
            o.handOver();
          }
          if (handingOver) return Promise.reject(new Error('handing over: no further part is started'));
          started++;
        }
        if (command instanceof CreateMultipartUploadCommand && o.onUpload) {
          const created = send(command, options) as Promise<CreateMultipartUploadCommandOutput>;
          return created.then(async (out) => {
            if (out.UploadId) await o.onUpload!(out.UploadId, out.$metadata.attempts ?? 1);
            return out;
          });
        }
        const writes = command instanceof CompleteMultipartUploadCommand || command instanceof PutObjectCommand;
        if (!writes || !o.beforeWrite) return send(command, options);
        return o.beforeWrite().then(() => send(command, options));
      };
    },
  });
  return {
    client: watched,
    handingOver: () => handingOver,
    settled: async () => void (await Promise.allSettled([...inFlight])),
    completed: () => [...completed.values()].sort((a, b) => a.PartNumber! - b.PartNumber!),
  };
}

/** A request of lib-storage's that does not name the target's owner is refused, not sent (see leavePartsOnError). */
function refuseUnpinned(command: Parameters<S3Client['send']>[0], owner: string): Promise<never> | undefined {
  const named = (command.input as { ExpectedBucketOwner?: string }).ExpectedBucketOwner;
  if (named === owner) return undefined;
  const why = `a request of lib-storage's names ${named ?? 'no'} bucket owner, not ${owner}: not sent`;
  return Promise.reject(new Error(why));
}

/**
 * A stream handed over by an earlier invocation: each part still missing is read from the exact version (a ranged
 * GetObject) and written with UploadPart, in lib-storage's part boundaries, at most as many at once as memory allows.
 */
function streamMissingParts(ctx: StreamContext): Promise<StrategyResult> {
  const { client, source } = ctx;
  const { ChecksumAlgorithm } = multipartChecksum(source);
  const streamPart: PartWriter = async (part: Part, upload, signal) => {
    const got = await client.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        VersionId: source.versionId,
        Range: `bytes=${part.first}-${part.last}`,
        ...expectOwner(ctx.sourceOwner),
      }),
      { abortSignal: signal },
    );
    const body = await got.Body!.transformToByteArray();
    const expected = part.last - part.first + 1;
    if (body.length !== expected) {
      throw new Error(`reading part ${part.partNumber} of the source gave ${body.length} bytes, not ${expected}`);
    }
    const out = await client.send(
      new UploadPartCommand({
        ...upload,
        PartNumber: part.partNumber,
        Body: body,
        ContentLength: body.length,
        ...(ChecksumAlgorithm && { ChecksumAlgorithm }),
      }),
      { abortSignal: signal },
    );
    return out;
  };
  return writeMultipart(
    ctx,
    'stream',
    streamPart,
    streamPartConcurrency(ctx.partSize, ctx.partConcurrency, ctx.memoryBytes),
  );
}
