/** S3's limits that shape a transfer (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PART_BYTES = 5 * GiB;
export const MAX_PARTS = 10_000;
/** CopyObject and PutObject refuse anything larger. */
export const MAX_SINGLE_REQUEST_BYTES = 5 * GiB;
export const MAX_OBJECT_BYTES = MAX_PARTS * MAX_PART_BYTES;

export type TransferMode = 'copy' | 'stream';

/**
 * Every default and fixed tunable of the exporter, with its value and its reason, in one place. The first group can
 * be changed through the function's environment (config.ts, whose `ExporterConfig` names the variables); the rest
 * follow from what Lambda, S3 and the stack promise, and are changed here or not at all.
 */
export const DEFAULTS = Object.freeze({
  // ── From the environment (see ExporterConfig) ──
  /** KEEP_FILES: move (copy, verify, delete the source version). */
  keepFiles: false,
  /** TRANSFER_MODE: server-side copy; bytes never pass through the function. */
  transferMode: 'copy' as TransferMode,
  /** MULTIPART_THRESHOLD_BYTES: larger objects are copied in parts (64 MiB; at most 5 GiB, one CopyObject's limit). */
  multipartThresholdBytes: 64 * MiB,
  /** PART_SIZE_BYTES: preferred part size, raised when needed to stay within 10,000 parts (64 MiB). */
  partSizeBytes: 64 * MiB,
  /** PART_CONCURRENCY: parts in flight at once (16); a stream holds this many parts in memory, or fewer. */
  partConcurrency: 16,
  /** PROGRESS_LOG_INTERVAL_MS: a progress line this often while a transfer runs (30 s). */
  progressLogIntervalMs: 30_000,
  /** CLAIM_TTL_MS: a claim on a key not renewed for this long belongs to a function that died (30 s). */
  claimTtlMs: 30_000,

  // ── Fixed ──
  /** Tries per request against throttling, 5xx and dropped connections, on top of the SDK's own (3). */
  partAttempts: 3,
  /** First delay between those tries (250 ms), doubled each try with full jitter, never more than the cap (20 s). */
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 20_000,
  /** The SDK's own tries per request, adaptive (8): it slows down under 503 SlowDown rather than hammer a prefix. */
  sdkMaxAttempts: 8,
  /** Sockets per client (128): parts in flight share them; the SDK's 50 would queue a wide multipart copy. */
  maxSockets: 128,
  /** Stop this long before Lambda's limit (30 s), leaving time to abort a multipart upload and log. */
  deadlineMarginMs: 30_000,
  /**
   * A multipart copy or stream stops starting parts when this little time is left (150 s, at most half of what there
   * was at the start), so the parts in flight end and the hand-over is saved well before the deadline margin.
   */
  handOverMarginMs: 150_000,
  /**
   * A handed-over transfer's claim stays alive this long without heartbeats (6.5 h): Lambda retries an event for up
   * to six hours (the stack's maximum event age), so the next invocation comes within it or from the dead letters.
   */
  handOverHoldMs: 6.5 * 3600_000,
  /** How far apart Lambda's clock and S3's `Initiated` may be, telling an orphan upload from one being created (5 s). */
  clockSkewMs: 5_000,
  /**
   * A claim that could not renew itself for this share of its time to live (60%) stops its own transfer: others take
   * it for dead once the whole time has passed, and a write of ours must not land after they have written. The rest
   * is room for a request already sent.
   */
  fenceShare: 0.6,
  /** Tries of a conditional ledger write while other invocations keep changing the record first (40). */
  ledgerMaxConflicts: 40,
});
