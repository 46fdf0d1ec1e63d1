import type { ExporterConfig } from './config';
import type { Logger, ObjectLog, Outcome } from './log';
import { throughputMiBs } from './log';
import type { TransferResult } from './transfer';

/**
 * What is known about one object's export as it goes, and its one log line at the end. The source starts as the
 * event states it and becomes what S3 says once resolved.
 */
export class ExportRecord {
  readonly startedAt = Date.now();
  transfer: TransferResult | undefined;
  transferMs = 0;
  /** For a copy that spans invocations: the parts finished so far, all invocations together. */
  private partsDone: number | undefined;
  /** For a copy that spans invocations: the bytes of the parts this invocation copied (default: the object's). */
  private bytesMoved: number | undefined;

  constructor(
    private readonly config: ExporterConfig,
    private readonly log: Logger,
    public source: { bucket: string; key: string; versionId?: string; size?: number },
  ) {}

  /** A copy spanning invocations had `before` parts when this invocation began and `after` at its end. */
  partsMoved(before: number, after: number, partSize: number): void {
    this.partsDone = after;
    this.bytesMoved = Math.min(this.source.size ?? Infinity, (after - before) * partSize);
  }

  emit(outcome: Outcome, error?: string): Outcome {
    const line: ObjectLog = {
      level: outcome === 'failed' ? 'error' : outcome === 'refused' ? 'warn' : 'info',
      dataset: this.config.dataset,
      bucket: this.source.bucket,
      key: this.source.key,
      version: this.source.versionId ?? null,
      target_bucket: this.config.targetBucket,
      bytes: this.source.size ?? null,
      strategy: this.transfer?.strategy ?? 'none',
      parts: this.partsDone ?? this.transfer?.parts ?? 0,
      duration_ms: Date.now() - this.startedAt,
      throughput_mib_s: this.transfer
        ? throughputMiBs(this.bytesMoved ?? this.transfer.bytes, this.transferMs)
        : null,
      outcome,
      error: error ?? null,
    };
    this.log(line);
    return outcome;
  }
}
