import { DEFAULTS } from './defaults';
/** What S3 and the network say about a failed request, however the SDK shaped the error. */
export function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string } | undefined;
  return e?.Code ?? e?.code ?? e?.name ?? 'Error';
}

export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

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
