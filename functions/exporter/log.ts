import { EXPORT_METRICS, METRIC_DIMENSION, METRIC_NAMESPACE } from '../../naming';
import type { ExporterConfig } from './config';
import type { ObjectFacts } from './object';
import type { Transfer, TransferProgress, TransferResult } from './transfer/transfer';

/**
 * What happened to one object. `moved`/`copied`: delivered and verified (copied keeps the source, keep_files).
 * `already_there`: the target held the same bytes, so nothing was copied. `already_moved`: the event's version no
 * longer exists (a repeated event). `superseded`: a newer upload or a deletion replaced the version before export, so
 * it was not delivered. `refused`: the key is outside the dataset's prefix. `failed`: see `error`; source kept.
 * `handed_over`: a multipart copy or stream too long for one invocation handed over to the next one after `parts` parts.
 */
export type Outcome =
  'moved' | 'copied' | 'already_there' | 'already_moved' | 'superseded' | 'refused' | 'failed' | 'handed_over';

/** One JSON line per object with always the same keys, so log queries need no guessing. */
export interface ObjectLog {
  readonly level: 'info' | 'warn' | 'error';
  readonly dataset: string;
  readonly bucket: string;
  readonly key: string;
  readonly version: string | null;
  readonly target_bucket: string;
  readonly bytes: number | null;
  /** `copy-object`, `multipart-copy`, `stream`, or `none` when nothing was transferred. */
  readonly strategy: string;
  readonly parts: number;
  readonly duration_ms: number;
  /** MiB per second of the transfer alone, to three significant digits; null when nothing was transferred. */
  readonly throughput_mib_s: number | null;
  readonly outcome: Outcome;
  readonly error: string | null;
}

/**
 * The final line is also the object's metrics, in CloudWatch Embedded Metric Format: CloudWatch Logs extracts the
 * values named under `_aws` from the line's own members (namespace HubExports, dimension Dataset; naming/metrics.ts).
 * `ObjectsExported` and `BytesExported` count deliveries (moved, copied), `Failures` failed attempts, `Duration` is
 * `duration_ms`. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export interface MetricMembers {
  readonly _aws: {
    /** Milliseconds since the epoch: when the line was written. */
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly Dataset: string;
  readonly ObjectsExported: number;
  readonly BytesExported: number;
  readonly Failures: number;
  readonly Duration: number;
}

/** The metric members of an object's final line. */
export function metricMembers(
  line: Pick<ObjectLog, 'dataset' | 'outcome' | 'bytes' | 'duration_ms'>,
  now = Date.now(),
): MetricMembers {
  const delivered = line.outcome === 'moved' || line.outcome === 'copied';
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [[METRIC_DIMENSION]],
          Metrics: EXPORT_METRICS.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    Dataset: line.dataset,
    ObjectsExported: delivered ? 1 : 0,
    BytesExported: delivered ? (line.bytes ?? 0) : 0,
    Failures: line.outcome === 'failed' ? 1 : 0,
    Duration: line.duration_ms,
  };
}

/**
 * While a transfer runs longer than PROGRESS_LOG_INTERVAL_MS, a line at that interval: the final line's keys, with
 * `outcome` `in_progress`, `parts` and `throughput_mib_s` so far (this invocation's), and three more. A query for
 * one line per object filters `outcome != "in_progress"`.
 */
export interface ProgressLog extends Omit<ObjectLog, 'outcome'> {
  readonly outcome: 'in_progress';
  /** The parts the object is written in; `parts` of them are in (earlier invocations' included). */
  readonly parts_total: number;
  /** Bytes in the target's upload so far, earlier invocations' included. */
  readonly bytes_done: number;
  /** Seconds left at this invocation's pace so far; null until a part is in. */
  readonly eta_s: number | null;
}

/** A progress line carries no metrics: only the final line counts the object. */
export type LogLine = (ObjectLog & MetricMembers) | ProgressLog;
export type Logger = (line: LogLine) => void;

/** Plain stdout: with Lambda's text log format each line reaches CloudWatch as it is, valid JSON. */
export const stdoutLogger: Logger = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** Handed over: the parts in so far, all invocations together; otherwise the parts the object was written in. */
export const partsWritten = (transfer: TransferResult | undefined): number =>
  transfer ? (transfer.handedOver?.completed.length ?? transfer.parts) : 0;

export function throughputMiBs(bytes: number, ms: number): number | null {
  return ms > 0 && bytes > 0 ? Number((bytes / 1048576 / (ms / 1000)).toPrecision(3)) : null;
}

/**
 * What is known about one object's export as it goes, and its one log line at the end. The source starts as the
 * event states it and becomes what S3 says once resolved.
 */
export class ExportLog {
  readonly startedAt = Date.now();
  transfer: TransferResult | undefined;
  transferMs = 0;
  /** Bytes this invocation wrote to the target (a transfer spanning invocations writes only some of them here). */
  private moved = 0;
  /** S3's order of the upload among the key's writes (the event's sequencer), once known. */
  sequencer: string | undefined;
  /** When the export began, if in an earlier invocation (a handed-over transfer): its receipt spans them all. */
  begunAt: number | undefined;

  constructor(
    private readonly config: ExporterConfig,
    private readonly log: Logger,
    public source: { bucket: string; key: string; versionId?: string; size?: number } & Partial<
      Pick<ObjectFacts, 'lastModified' | 'checksum'>
    >,
  ) {}

  /**
   * Runs the transfer, writing a progress line every PROGRESS_LOG_INTERVAL_MS while it lasts (a multi-gigabyte copy
   * takes minutes, and the final line comes only at its end) from the transfer's latest `progress` event, and keeps
   * its result and duration for the final line.
   */
  async run(transfer: Transfer): Promise<TransferResult> {
    const t0 = Date.now();
    let latest: TransferProgress | undefined;
    const onProgress = (p: TransferProgress) => {
      latest = p;
    };
    transfer.on('progress', onProgress);
    const timer = setInterval(() => latest && this.progress(latest), this.config.progressLogIntervalMs);
    try {
      this.transfer = await transfer.done();
    } finally {
      clearInterval(timer);
      transfer.off('progress', onProgress);
    }
    this.transferMs = Date.now() - t0;
    this.moved = latest ? latest.bytes - latest.bytesBefore : 0;
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
    const line: ObjectLog = {
      level: outcome === 'failed' ? 'error' : outcome === 'refused' ? 'warn' : 'info',
      ...this.base(),
      strategy: this.transfer?.strategy ?? 'none',
      parts: partsWritten(this.transfer),
      duration_ms: Date.now() - this.startedAt,
      throughput_mib_s: this.transfer ? throughputMiBs(this.moved, this.transferMs) : null,
      outcome,
      error: error ?? null,
    };
    this.log({ ...line, ...metricMembers(line) });
    return outcome;
  }
}
