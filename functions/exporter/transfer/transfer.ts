import type { S3Client } from '@aws-sdk/client-s3';
import { EventEmitter, setMaxListeners } from 'node:events';
import { DEFAULTS, type TransferMode, MAX_SINGLE_REQUEST_BYTES } from '../defaults';
import { AbortError } from '../errors';
import { FULL_OBJECT_MULTIPART_ALGORITHMS, type ObjectFacts } from '../object';
import { copyMultipart, copyObject } from './copy';
import type { StrategyResult, OpenUpload } from './multipart';
import { choosePartSize, partBytes, partCount } from './parts';
import type { TargetLocation } from './requests';
import { streamObject } from './stream';

export interface TransferOptions {
  readonly client: S3Client;
  /** The exact version to transfer, as `resolve` found it (its headers are copied onto the target). */
  readonly source: ObjectFacts;
  /** Where to write, and the approved account that must own the target bucket: every request there names it. */
  readonly target: TargetLocation;
  /** The account that must own the source's bucket (the platform's): every read and copy of the source names it. */
  readonly sourceOwner: string;
  /** `copy` (default): server-side, bytes never pass through this process. `stream`: GetObject into an upload. */
  readonly mode?: TransferMode;
  /** Larger objects are transferred in parts. Default 64 MiB; at most 5 GiB (the largest single CopyObject). */
  readonly multipartThresholdBytes?: number;
  /** Preferred part size, raised when needed to stay within 10,000 parts. Default 64 MiB. */
  readonly partSizeBytes?: number;
  /** Parts in flight at once. Default 16; streaming may use fewer to stay within `memoryBytes`. */
  readonly partConcurrency?: number;
  /** Tries per request for throttling, 5xx and dropped connections, on top of the SDK's own retries. Default 3. */
  readonly partAttempts?: number;
  /** Streaming keeps its buffers within half of this (a Lambda's memory). Default: no limit. */
  readonly memoryBytes?: number;
  /** Aborting it (a deadline, a caller giving up) has the same effect as `abort()`. */
  readonly abortSignal?: AbortSignal;
  /**
   * The upload an earlier invocation handed over (its `TransferResult.handedOver`), to write the missing parts of in
   * the same strategy; `mode` is then ignored and `partSizeBytes` must be the one it was started with. A failure
   * leaves the upload open for the retry.
   */
  readonly handover?: OpenUpload;
  /**
   * Asked before each part of a multipart copy or stream is started: true (time is running out) stops starting
   * parts, and `done()` resolves with `handedOver` once those in flight end. A stream written in one request (an
   * object of one part) cannot stop part-way and ignores it.
   */
  readonly handOver?: () => boolean;
  /**
   * The last check before the request that makes the object appear at the target: CopyObject, PutObject or
   * CompleteMultipartUpload (see StrategyContext.beforeWrite). Throwing stops the transfer.
   */
  readonly beforeWrite?: () => Promise<'write' | 'skip'>;
  /** Told of a multipart upload as soon as it exists (see StrategyContext.onUpload). */
  readonly onUpload?: (uploadId: string, attempts: number) => Promise<void>;
}

/** How far a transfer is: what each `progress` event carries, for progress lines while it runs. */
export interface TransferProgress {
  readonly strategy: StrategyResult['strategy'];
  /** Parts in the target's upload, those carried over from earlier invocations included, and how many it needs. */
  readonly parts: number;
  readonly partsTotal: number;
  /** Bytes in the target's upload, carried-over ones included; of them, `bytesBefore` were carried over. */
  readonly bytes: number;
  readonly bytesBefore: number;
  /** Since `done()` was called. */
  readonly elapsedMs: number;
}

export interface TransferResult extends StrategyResult {
  readonly bytes: number;
  readonly partSize: number;
}

/**
 * Writes one exact source version to the target, choosing the strategy by mode and size. Like lib-storage's `Upload`:
 * construct, then `done()` once; `abort()` (or the abort signal) cancels requests in flight, aborts any multipart
 * upload, and makes `done()` reject with an `AbortError` (with the signal's reason when the signal fired). A failure
 * never leaves an incomplete multipart upload behind (unless the abort itself fails, which the error then says).
 * Emits `progress` (a `TransferProgress`) when `done()` starts and each time a part, or the whole object, is in.
 */
export class Transfer extends EventEmitter<{ progress: [TransferProgress] }> {
  private readonly controller = new AbortController();
  private started = false;
  private startedAt = 0;
  private partsIn = 0;
  private bytesIn = 0;
  private bytesBefore = 0;

  constructor(private readonly options: TransferOptions) {
    super();
    // Each request in flight and each retry wait listens to the signal; Node warns past 10 by default.
    setMaxListeners(4 * (options.partConcurrency ?? DEFAULTS.partConcurrency) + 16, this.controller.signal);
    const external = options.abortSignal;
    if (external?.aborted) this.controller.abort(external.reason);
    external?.addEventListener('abort', () => this.controller.abort(external.reason), { once: true });
  }

  /** Which strategy `done()` will use, and with what part size. */
  plan(): { strategy: StrategyResult['strategy']; partSize: number } {
    const o = this.options;
    const size = o.source.size;
    const partSize = choosePartSize(size, o.partSizeBytes ?? DEFAULTS.partSizeBytes);
    if (o.handover) return { strategy: o.handover.strategy, partSize };
    if ((o.mode ?? DEFAULTS.transferMode) === 'stream') return { strategy: 'stream', partSize };
    const threshold = Math.min(o.multipartThresholdBytes ?? DEFAULTS.multipartThresholdBytes, MAX_SINGLE_REQUEST_BYTES);
    const c = o.source.checksum;
    // A full-object SHA (or other non-CRC) checksum only survives a single copy: keep it verifiable when S3 allows.
    const keepsChecksumOnlyWhole = c?.fullObject === true && !FULL_OBJECT_MULTIPART_ALGORITHMS.includes(c.algorithm);
    const single = size <= threshold || (keepsChecksumOnlyWhole && size <= MAX_SINGLE_REQUEST_BYTES);
    return { strategy: single ? 'copy-object' : 'multipart-copy', partSize };
  }

  async done(): Promise<TransferResult> {
    if (this.started) throw new Error('Transfer.done() runs once; create another Transfer');
    this.started = true;
    const o = this.options;
    const { strategy, partSize } = this.plan();
    this.startedAt = Date.now();
    for (const part of o.handover?.completed ?? []) {
      this.partsIn++;
      this.bytesIn += partBytes(o.source.size, partSize, part.PartNumber!);
    }
    this.bytesBefore = this.bytesIn;
    this.emit('progress', this.progress());
    const ctx = {
      client: o.client,
      source: o.source,
      target: o.target,
      sourceOwner: o.sourceOwner,
      partSize,
      partConcurrency: o.partConcurrency ?? DEFAULTS.partConcurrency,
      partAttempts: o.partAttempts ?? DEFAULTS.partAttempts,
      signal: this.controller.signal,
      partDone: (bytes: number) => this.partDone(bytes),
      ...(o.memoryBytes !== undefined && { memoryBytes: o.memoryBytes }),
      ...(o.handover && { handover: o.handover }),
      ...(o.handOver && { handOver: o.handOver }),
      ...(o.beforeWrite && { beforeWrite: o.beforeWrite }),
      ...(o.onUpload && { onUpload: o.onUpload }),
    };
    this.controller.signal.throwIfAborted();
    const run = strategy === 'stream' ? streamObject : strategy === 'multipart-copy' ? copyMultipart : copyObject;
    try {
      return { ...(await run(ctx)), bytes: o.source.size, partSize };
    } catch (err) {
      // Whatever the SDK or lib-storage made of a cancelled request, the caller learns why it was cancelled.
      if (this.controller.signal.aborted) throw this.controller.signal.reason;
      throw err;
    }
  }

  /** Where the transfer is now; before `done()`, nothing is in. */
  private progress(): TransferProgress {
    const { strategy, partSize } = this.plan();
    return {
      strategy,
      parts: this.partsIn,
      partsTotal: strategy === 'copy-object' ? 1 : Math.max(1, partCount(this.options.source.size, partSize)),
      bytes: this.bytesIn,
      bytesBefore: this.bytesBefore,
      elapsedMs: this.startedAt ? Date.now() - this.startedAt : 0,
    };
  }

  private partDone(bytes: number): void {
    this.partsIn++;
    this.bytesIn += bytes;
    this.emit('progress', this.progress());
  }

  abort(reason?: string): void {
    this.controller.abort(new AbortError(reason ?? 'Transfer aborted'));
  }
}
