import { exportPrefix } from './names';

/**
 * A receipt: one small JSON object per outcome of one object's export, written by the exporter into the export
 * bucket, read by the dataset's users (`aws s3 ls`/`cp`), queried by data protection reviewers through the audit
 * table (stacks/audit-table.ts). Its layout is defined here once: the exporter builds receipts from RECEIPT_FIELDS'
 * names (the `Receipt` type), the committed JSON Schema (schemas/receipt.schema.json) and the Glue table's columns
 * are generated from it, and tests hold the three against each other and against real receipts.
 *
 * The words are those of the exporter's log lines (`bucket`, `key`, `version`, `bytes`, `strategy`, `outcome`,
 * `error` mean the same in both), so that a receipt and its log line read alike.
 */

/** Written into every receipt; a reader that does not know the value must not guess at the layout. */
export const RECEIPT_FORMAT = 'hub-exports/receipt/1';

/**
 * Where receipts live in the export bucket: `export-receipts/<dataset>/<day>/…`. The hyphen keeps it outside every
 * upload prefix (dataset names are lower-case letters, digits and underscores), so the dataset rules never fire for
 * a receipt and users cannot write one. No leading dot or underscore, unlike the handover prefix: Athena, like
 * Hadoop, skips paths that start with either as hidden.
 */
export const RECEIPTS_ROOT = 'export-receipts/';
export const receiptPrefix = (dataset: string): string => `${RECEIPTS_ROOT}${dataset}/`;

/** Glue (Hive) column types a receipt field may have, and what each is in JSON. */
export type FieldType = 'string' | 'bigint' | 'int';

export interface ReceiptField {
  readonly name: string;
  readonly type: FieldType;
  /** May be `null` (not known for this outcome). */
  readonly nullable?: boolean;
  /** A partition key of the audit table: its value comes from the receipt's path (and is in the receipt too). */
  readonly partition?: boolean;
  /** The allowed values, where there are few. */
  readonly values?: readonly string[];
  readonly description: string;
}

/** Every outcome that writes a receipt (an `already_moved` event and a handover write none: see docs/exporter.md). */
export const RECEIPT_OUTCOMES = ['moved', 'copied', 'already_there', 'superseded', 'refused', 'failed'] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

/** How the target was proven to hold the source's bytes before the source was deleted. */
export const VERIFICATIONS = ['checksum', 'etag', 'size'] as const;

export const RECEIPT_FIELDS = [
  {
    name: 'format',
    type: 'string',
    values: [RECEIPT_FORMAT],
    description: 'The receipt layout: always ' + RECEIPT_FORMAT,
  },
  {
    name: 'dataset',
    type: 'string',
    partition: true,
    description: 'The push dataset (its file push_datasets/<dataset>.yaml)',
  },
  {
    name: 'day',
    type: 'string',
    partition: true,
    description: 'The UTC day (yyyy-MM-dd) the file was uploaded; the day of the attempt when that is not known',
  },
  {
    name: 'outcome',
    type: 'string',
    values: RECEIPT_OUTCOMES,
    description:
      'moved or copied (delivered and verified; copied keeps the source), already_there (the target held the same ' +
      'bytes), superseded (a newer upload or a deletion replaced this version first: not delivered), refused (the ' +
      'key is outside the dataset prefix), failed (this attempt failed: see error; the source was kept)',
  },
  { name: 'bucket', type: 'string', description: 'The export bucket' },
  { name: 'key', type: 'string', description: 'The key the user uploaded' },
  { name: 'version', type: 'string', nullable: true, description: "The upload's version ID in the export bucket" },
  {
    name: 'sequencer',
    type: 'string',
    nullable: true,
    description: "S3's order of this key's uploads (the event's sequencer)",
  },
  { name: 'bytes', type: 'bigint', nullable: true, description: 'The size of the upload in bytes' },
  { name: 'uploaded_at', type: 'string', nullable: true, description: 'When the file was uploaded (ISO 8601, UTC)' },
  {
    name: 'verified_by',
    type: 'string',
    nullable: true,
    values: VERIFICATIONS,
    description:
      "How the target was proven to hold the upload's bytes: checksum (a full-object checksum equal to the " +
      "upload's), etag (equal MD5 ETags), size (equal sizes: S3 reported nothing more to compare)",
  },
  {
    name: 'checksum_algorithm',
    type: 'string',
    nullable: true,
    description: 'The algorithm of checksum (CRC64NVME, SHA256, …)',
  },
  {
    name: 'checksum',
    type: 'string',
    nullable: true,
    description: "The upload's full-object checksum as S3 reported it (base64)",
  },
  { name: 'target_bucket', type: 'string', description: 'The receiving bucket' },
  { name: 'target_account', type: 'string', description: 'The account that owns the receiving bucket (bucket_owner)' },
  { name: 'target_key', type: 'string', description: 'The key in the receiving bucket' },
  {
    name: 'target_version',
    type: 'string',
    nullable: true,
    description: "The delivered object's version ID, when the receiving bucket is versioned",
  },
  { name: 'target_etag', type: 'string', nullable: true, description: "The delivered object's ETag" },
  {
    name: 'strategy',
    type: 'string',
    values: ['copy-object', 'multipart-copy', 'stream', 'none'],
    description: 'How the bytes were written (none: nothing was written by this attempt)',
  },
  { name: 'parts', type: 'int', description: 'The parts the object was written in (0: nothing written)' },
  { name: 'started_at', type: 'string', description: 'When this export began (ISO 8601, UTC)' },
  {
    name: 'ended_at',
    type: 'string',
    description: 'When this export ended, before the source was deleted (ISO 8601, UTC)',
  },
  { name: 'duration_ms', type: 'bigint', description: 'ended_at minus started_at, in milliseconds' },
  {
    name: 'error',
    type: 'string',
    nullable: true,
    description: 'Why it failed or was not delivered, in the words of the log line',
  },
  {
    name: 'paperwork',
    type: 'string',
    description: "The dataset's paperwork reference (DPIA or data sharing agreement)",
  },
  {
    name: 'request_id',
    type: 'string',
    nullable: true,
    description: "The Lambda request ID of the attempt (its log line's)",
  },
] as const satisfies readonly ReceiptField[];

type Fields = (typeof RECEIPT_FIELDS)[number];
type JsonOf<F extends Fields> = F extends { values: readonly (infer V)[] }
  ? V
  : F['type'] extends 'string'
    ? string
    : number;
/** A receipt as written: every field, always present (`null` where not known). */
export type Receipt = {
  readonly [F in Fields as F['name']]: F extends { nullable: true } ? JsonOf<F> | null : JsonOf<F>;
};

/** The JSON Schema of a receipt (committed as schemas/receipt.schema.json by `npm run schemas`). */
export function receiptSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of RECEIPT_FIELDS as readonly ReceiptField[]) {
    const type = f.type === 'string' ? 'string' : 'integer';
    const one = f.values ? { type, enum: [...f.values] } : { type, ...(type === 'integer' && { minimum: 0 }) };
    properties[f.name] = {
      description: f.description,
      ...(f.nullable ? { anyOf: [one, { type: 'null' }] } : one),
    };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'hub-exports receipt',
    description: 'What happened to one upload of a push dataset, written by its exporter (naming/receipts.ts).',
    type: 'object',
    required: RECEIPT_FIELDS.map((f) => f.name),
    additionalProperties: false,
    properties,
  };
}

export const RECEIPT_SCHEMA_FILE = 'schemas/receipt.schema.json';

/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/**
 * The receipt's key: `export-receipts/<dataset>/<day>/<file>@<sequencer>.json`, where `<file>` is the uploaded key
 * after the dataset prefix, URI-encoded so that one day is one flat listing (`/` becomes `%2F`, and a leading `.` or
 * `_`, which Athena would skip, is encoded too). The final receipt of one upload has one key, whatever the attempt:
 * written with If-None-Match, a retry cannot make a second. A failed attempt's receipt adds `.failed-<attempt>`.
 * A key too long for S3 keeps its start and ends with a hash of the whole file name.
 */
export function receiptKey(at: {
  dataset: string;
  day: string;
  key: string;
  sequencer?: string | null;
  failedAttempt?: string;
}): string {
  const prefix = exportPrefix(at.dataset);
  const relative = at.key.startsWith(prefix) ? at.key.slice(prefix.length) : at.key;
  const file = encodeURIComponent(relative).replace(/^\./, '%2E').replace(/^_/, '%5F');
  const end = `@${at.sequencer ?? 'none'}${at.failedAttempt ? `.failed-${at.failedAttempt}` : ''}.json`;
  const start = `${receiptPrefix(at.dataset)}${at.day}/`;
  const whole = `${start}${file}${end}`;
  if (Buffer.byteLength(whole) <= MAX_KEY_BYTES) return whole;
  const hash = `~${fnv1a64(relative, 0xcbf29ce484222325n)}${fnv1a64(relative, 0x84222325cbf29ce4n)}`;
  const room = MAX_KEY_BYTES - Buffer.byteLength(`${start}${hash}${end}`);
  // Encoded text is ASCII, so a byte count is a character count; never end inside a %XX escape.
  return `${start}${file.slice(0, room).replace(/%[0-9A-F]?$/, '')}${hash}${end}`;
}

/**
 * FNV-1a, 64 bits, over the UTF-16 code units, as 16 hex digits: two of them with different offsets tell apart
 * long file names that share their first kilobyte. Not a security measure; naming/ imports nothing, not even crypto.
 */
function fnv1a64(text: string, offset: bigint): string {
  let h = offset;
  for (let i = 0; i < text.length; i++) h = ((h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** The UTC day of a time, as receipts' paths and the audit table's `day` partition write it. */
export const dayOf = (t: Date): string => t.toISOString().slice(0, 10);
