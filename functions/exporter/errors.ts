import { DEFAULTS } from './defaults';

/**
 * The exporter's errors, how S3's and the network's are classified, and the retries that classification decides.
 * Messages are composed once, in a constructor or in `explain` (explain.ts), with the original kept as `cause`.
 */

/**
 * The root of the exporter's errors: `instanceof ExporterError` tells ours from the SDK's and the network's. Each
 * subclass sets `name` (what `errorCode` and the logs see) and carries its data.
 */
export abstract class ExporterError extends Error {}

/** `Transfer.abort()` was called: `done()` rejects with this (the same name as the SDK's own aborted requests). */
export class AbortError extends ExporterError {
  override name = 'AbortError';
}

/** The invocation stopped a transfer short of Lambda's time limit. */
export class DeadlineError extends ExporterError {
  override name = 'DeadlineError';
  constructor(
    /** How long before the limit it stopped, and how long the invocation had when it started. */
    readonly marginMs: number,
    readonly remainingAtStartMs: number,
  ) {
    super(
      `stopped ${Math.round(marginMs / 1000)} s before the function's time limit ` +
        `(${Math.round(remainingAtStartMs / 1000)} s were left when it started): the transfer did not finish in time ` +
        '(a part still being written at the hand-over) and stopped; a multipart upload this invocation began was ' +
        'aborted, one carried over was kept. See "Large objects" in docs/exporter.md',
    );
  }
}

/** The function's environment is wrong: every problem at once (the stack sets it, so the stack needs fixing). */
export class ConfigError extends ExporterError {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      "The exporter is misconfigured (its Lambda environment is set by the push dataset's stack):\n- " +
        problems.join('\n- '),
    );
  }
}

/** The invocation's event is not one the exporter understands. */
export class EventError extends ExporterError {
  override name = 'EventError';
}

/** An object larger than S3 can hold in one multipart upload. */
export class TooLargeError extends ExporterError {
  override name = 'TooLargeError';
}

/** A failed export, told so that a data engineer knows what to change; the source is always kept. */
export class ExportError extends ExporterError {
  override name = 'ExportError';
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown; abandonUpload?: boolean },
  ) {
    super(message, options);
    this.abandonUpload = options?.abandonUpload === true;
  }
  /** No retry can complete the multipart upload in progress: abort it rather than keep it for one. */
  readonly abandonUpload: boolean;
}

/**
 * A transfer failed, and aborting its multipart upload failed too: the upload stays in the receiver's bucket until
 * their lifecycle rule removes it. Classified as its cause (`reason`), which is what stopped the transfer; `explain`
 * adds `note` to the message it composes.
 */
export class UploadLeftError extends ExporterError {
  override name = 'UploadLeftError';
  readonly note: string;
  constructor(
    readonly upload: { readonly Bucket?: string; readonly Key?: string; readonly UploadId?: string },
    readonly abortError: unknown,
    cause: unknown,
  ) {
    const note =
      `Aborting multipart upload ${upload.UploadId} of s3://${upload.Bucket}/${upload.Key} failed too ` +
      `(${messageOf(abortError)}); a lifecycle rule AbortIncompleteMultipartUpload removes it.`;
    super(`${messageOf(cause)}. ${note}`, { cause });
    this.note = note;
  }
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The failure itself, seen through an `UploadLeftError`: what classification and `instanceof` checks look at. */
export const reason = (err: unknown): unknown => (err instanceof UploadLeftError ? err.cause : err);

/** Thrown by the guard when the claim learns, on taking the write, that there is nothing for it to write. */
export class NothingToWrite extends ExportError {
  constructor(
    readonly why: 'superseded' | 'delivered',
    target: { readonly bucket: string; readonly key: string },
  ) {
    super(
      `s3://${target.bucket}/${target.key}: ${why === 'superseded' ? 'a newer upload' : 'this upload'} was ` +
        'delivered while this transfer ran, so it was not completed',
      why === 'superseded' ? 'Superseded' : 'Delivered',
      { abandonUpload: true },
    );
  }
}

export type Phase = 'read-source' | 'write-target' | 'verify' | 'write-receipt' | 'delete-source';

/**
 * A failure tagged with the step of the export that raised it (`inStep`), so that `explain` can say what was being
 * done; the innermost step wins. Never leaves the export: `failed` (context.ts) turns it into an ExportError.
 */
export class StepError extends ExporterError {
  override name = 'StepError';
  constructor(
    readonly phase: Phase,
    cause: unknown,
  ) {
    super(messageOf(cause), { cause });
  }
}

/** Runs one step of an export; what it throws carries `phase`, unless an inner step tagged it first. */
export async function inStep<T>(phase: Phase, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw err instanceof StepError ? err : new StepError(phase, err);
  }
}

/** The step an error came out of (reading the source, when none tagged it) and the failure itself. */
export const stepOf = (err: unknown): { phase: Phase; failure: unknown } =>
  err instanceof StepError ? { phase: err.phase, failure: err.cause } : { phase: 'read-source', failure: err };

/** What S3 and the network say about a failed request, however the SDK shaped the error. */
export function errorCode(err: unknown): string {
  const e = reason(err) as { name?: string; Code?: string; code?: string } | undefined;
  return e?.Code ?? e?.code ?? e?.name ?? 'Error';
}

export function httpStatus(err: unknown): number | undefined {
  return (reason(err) as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * A conditional write (If-Match, If-None-Match) that S3 refused: 412 when the condition does not hold, 409 while
 * another conditional write of the key is in flight. The ledger retries on it; a receipt takes it for "already there".
 */
export const isConditionRefused = (err: unknown): boolean =>
  httpStatus(err) === 412 ||
  httpStatus(err) === 409 ||
  ['PreconditionFailed', 'ConditionalRequestConflict'].includes(errorCode(err));

export const isNotFound = (err: unknown): boolean =>
  httpStatus(err) === 404 || ['NotFound', 'NoSuchKey', 'NoSuchVersion'].includes(errorCode(err));

export const isAccessDenied = (err: unknown): boolean =>
  httpStatus(err) === 403 || ['AccessDenied', 'Forbidden', 'AllAccessDisabled'].includes(errorCode(err));

export const isAbort = (err: unknown): boolean => errorCode(err) === 'AbortError';

const TRANSIENT_CODES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Throttling (503 SlowDown), server errors and dropped connections: worth another try of the same part. */
export function isTransient(err: unknown): boolean {
  const status = httpStatus(err);
  return (status !== undefined && (status >= 500 || status === 429)) || TRANSIENT_CODES.has(errorCode(err));
}

export interface RetryOptions {
  /** Tries in all, the first included. */
  readonly attempts: number;
  readonly signal?: AbortSignal;
  /** Base delay; doubled each try, with full jitter. Default DEFAULTS.retryBaseDelayMs. */
  readonly baseDelayMs?: number;
}

/** Waits `ms`, or rejects with the signal's reason once it is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` again after transient failures. The SDK already retries each request; this outer loop is for work that
 * a retry of one request does not cover (a part copy that fails after the SDK's attempts are spent during a long
 * throttling spell), so one bad minute does not cost a multi-gigabyte transfer.
 */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? DEFAULTS.retryBaseDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= options.attempts || options.signal?.aborted || !isTransient(err)) throw err;
      await sleep(Math.random() * Math.min(DEFAULTS.retryMaxDelayMs, base * 2 ** attempt), options.signal);
    }
  }
}
