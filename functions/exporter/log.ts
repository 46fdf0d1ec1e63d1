/**
 * What happened to one object. `moved`/`copied`: delivered and verified (copied keeps the source, keep_files).
 * `already_there`: the target held the same bytes, so nothing was copied. `already_moved`: the event's version no
 * longer exists (a repeated event). `superseded`: a newer upload or a deletion replaced the version before export, so
 * it was not delivered. `refused`: the key is outside the dataset's prefix. `failed`: see `error`; source kept.
 * `continuing`: a multipart copy or stream too long for one invocation handed over to the next one after `parts` parts.
 */
export type Outcome =
  | 'moved'
  | 'copied'
  | 'already_there'
  | 'already_moved'
  | 'superseded'
  | 'refused'
  | 'failed'
  | 'continuing';

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

export type LogLine = ObjectLog | ProgressLog;
export type Logger = (line: LogLine) => void;

/** Plain stdout: with Lambda's text log format each line reaches CloudWatch as it is, valid JSON. */
export const stdoutLogger: Logger = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

export function throughputMiBs(bytes: number, ms: number): number | null {
  return ms > 0 && bytes > 0 ? Number((bytes / 1048576 / (ms / 1000)).toPrecision(3)) : null;
}
