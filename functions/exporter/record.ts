import type { ExporterConfig } from './config';
import type { Logger, ObjectLog, Outcome } from './log';
import { throughputMiBs } from './log';
import type { Transfer, TransferProgress, TransferResult } from './transfer';

/**
 * What is known about one object's export as it goes, and its one log line at the end. The source starts as the
 * event states it and becomes what S3 says once resolved.
 */
export class ExportRecord {
  readonly startedAt = Date.now();
  transfer: TransferResult | undefined;
  transferMs = 0;
  /** Bytes this invocation wrote to the target (a transfer spanning invocations writes only some of them here). */
  private moved = 0;

  constructor(
    private readonly config: ExporterConfig,
    private readonly log: Logger,
    public source: { bucket: string; key: string; versionId?: string; size?: number },
  ) {}

  /**
   * Runs the transfer, writing a progress line every PROGRESS_LOG_INTERVAL_MS while it lasts (a multi-gigabyte copy
   * takes minutes, and the final line comes only at its end), and keeps its result and duration for that line.
   */
  async run(transfer: Transfer): Promise<TransferResult> {
    const t0 = Date.now();
    const timer = setInterval(() => this.progress(transfer.progress()), this.config.progressLogIntervalMs);
    try {
      this.transfer = await transfer.done();
    } finally {
      clearInterval(timer);
    }
    this.transferMs = Date.now() - t0;
    const done = transfer.progress();
    this.moved = done.bytes - done.bytesBefore;
    return this.transfer;
  }

  /** The keys every line about this object shares. */
  private base(): Pick<ObjectLog, 'dataset' | 'bucket' | 'key' | 'version' | 'target_bucket' | 'bytes'> {
    return {
      dataset: this.config.dataset,
      bucket: this.source.bucket,
      key: this.source.key,
      version: this.source.versionId ?? null,
      target_bucket: this.config.targetBucket,
      bytes: this.source.size ?? null,
    };
  }

  /** A line while the transfer runs: how far it is, its pace in this invocation, and the time left at that pace. */
  progress(p: TransferProgress): void {
    const size = this.source.size ?? p.bytes;
    const moved = p.bytes - p.bytesBefore;
    const rate = p.elapsedMs > 0 ? moved / p.elapsedMs : 0;
    this.log({
      level: 'info',
      ...this.base(),
      strategy: p.strategy,
      parts: p.parts,
      duration_ms: Date.now() - this.startedAt,
      throughput_mib_s: throughputMiBs(moved, p.elapsedMs),
      outcome: 'in_progress',
      error: null,
      parts_total: p.partsTotal,
      bytes_done: p.bytes,
      eta_s: rate > 0 ? Math.round((size - p.bytes) / rate / 1000) : null,
    });
  }

  emit(outcome: Outcome, error?: string): Outcome {
    this.log({
      level: outcome === 'failed' ? 'error' : outcome === 'refused' ? 'warn' : 'info',
      ...this.base(),
      strategy: this.transfer?.strategy ?? 'none',
      // Handed over: the parts in so far, all invocations together; otherwise the parts the object was written in.
      parts: this.transfer ? (this.transfer.handedOver?.completed.length ?? this.transfer.parts) : 0,
      duration_ms: Date.now() - this.startedAt,
      throughput_mib_s: this.transfer ? throughputMiBs(this.moved, this.transferMs) : null,
      outcome,
      error: error ?? null,
    });
    return outcome;
  }
}
