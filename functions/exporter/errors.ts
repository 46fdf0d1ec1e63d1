import {
  bucketArn,
  exportPrefix,
  receiverKeyStatement,
  receiverStatements,
  SOURCE_BUCKET_ACTIONS,
  SOURCE_DELETE_ACTIONS,
  SOURCE_OBJECT_ACTIONS,
  stackIds,
} from '../../naming';
import { s3Url } from './facts';
import { errorCode, isAbort, isAccessDenied, isNotFound } from './retry';

/**
 * The exporter's errors. Each class names itself (its `name` is what `errorCode` and the logs see) and carries its
 * data; messages are composed once, in the constructor or in `explain`, with the original kept as `cause`.
 */

/** `Transfer.abort()` was called: `done()` rejects with this (the same name as the SDK's own aborted requests). */
export class AbortError extends Error {
  override name = 'AbortError';
}

/** The invocation stopped a transfer short of Lambda's time limit. */
export class DeadlineError extends Error {
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
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      "The exporter is misconfigured (its Lambda environment is set by the push dataset's stack):\n- " +
        problems.join('\n- '),
    );
  }
}

/** The invocation's event is not one the exporter understands. */
export class EventError extends Error {
  override name = 'EventError';
}

/** An object larger than S3 can hold in one multipart upload. */
export class TooLargeError extends Error {
  override name = 'TooLargeError';
}

/** A failed export, told so that a data engineer knows what to change; the source is always kept. */
export class ExportError extends Error {
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

export type Phase = 'read-source' | 'write-target' | 'verify' | 'delete-source';

export interface ErrorContext {
  readonly phase: Phase;
  readonly dataset: string;
  readonly principal: string;
  readonly source: { bucket: string; key: string; versionId?: string };
  readonly targetBucket: string;
  /** The approved account that must own the target bucket (TARGET_BUCKET_OWNER): every request there names it. */
  readonly targetBucketOwner: string;
  /** The account that must own the export bucket and the ledger (PLATFORM_ACCOUNT): every request there names it. */
  readonly platformAccount: string;
  /** The receiver's KMS key the dataset names (`kms_key_arn`), if any. */
  readonly targetKeyArn?: string;
  /** Said last, after what happened and what to do (for example what became of a carried-over upload). */
  readonly note?: string;
}

const list = (actions: readonly string[]) => actions.join(', ');

/**
 * A receiving bucket that encrypts with its own KMS key refuses a writer that may not use the key: both the dataset
 * (our side of the grant) and the key's policy (theirs) must name it. KMS names the key in its message.
 */
function keyAdvice(message: string, c: ErrorContext): string {
  const used = message.match(/arn:aws[\w-]*:kms:[\w-]+:\d{12}:key\/[\w-]+/)?.[0];
  const keyArn = used ?? c.targetKeyArn ?? 'arn:aws:kms:<region>:<account>:key/<id>';
  const statement = JSON.stringify(receiverKeyStatement({ keyArn, principal: c.principal }));
  const file = `push_datasets/${c.dataset}.yaml`;
  const ours =
    c.targetKeyArn === undefined
      ? `Add "kms_key_arn: ${keyArn}" to ${file} and deploy the ${stackIds.push(c.dataset)} stack. `
      : used !== undefined && used !== c.targetKeyArn
      ? `${file} names ${c.targetKeyArn}, but the bucket uses ${used}: correct "kms_key_arn:" and deploy. `
      : '';
  return (
    `s3://${c.targetBucket} encrypts with the KMS key ${keyArn}, which ${c.principal} may not use. ` +
    `${ours}The receiving account must add this statement to that key's policy:\n${statement}`
  );
}

/**
 * The receiver refused us. S3 gives the same 403 AccessDenied for a bucket policy without our statement and for a
 * bucket that another account than the approved one owns (every request names that one: ExpectedBucketOwner), so
 * the message tells both, and what to do about each. A write that was refused wrote nothing.
 */
function targetAdvice(code: string, c: ErrorContext): string {
  const statements = receiverStatements({ bucket: c.targetBucket, dataset: c.dataset, principal: c.principal })
    .map((s) => JSON.stringify(s))
    .join('\n');
  const policy = (who: string) =>
    `${who} must add these statements to that bucket's policy:\n${statements}\n` +
    'If the statement is there already, check that the role may read the source (KMS key of the export bucket) ' +
    'and that no explicit Deny or SCP applies.';
  const refused = `s3://${c.targetBucket} refused ${c.principal} (${code}).`;
  if (c.phase !== 'write-target') return `${refused} ${policy('The receiving account')}`;
  return (
    `${refused} Either the receiving account has not allowed the exporter, or the bucket may no longer be in the ` +
    `approved account ${c.targetBucketOwner}: every request names that account, and S3 refuses a bucket of that ` +
    'name in any other account with this same AccessDenied (bucket names are reused after deletion). If the ' +
    "receiver moved or re-created the bucket in another account, the dataset's bucket_owner in " +
    `push_datasets/${c.dataset}.yaml must be updated in a reviewed pull request; the exporter delivers nowhere ` +
    `else. ${policy('Otherwise the receiving account')} Nothing was written to s3://${c.targetBucket}.`
  );
}

/** Our own side refused us: the role's policy, or (for an export bucket of another account) PLATFORM_ACCOUNT. */
function sourceAdvice(code: string, kms: boolean, c: ErrorContext): string {
  const actions = c.phase === 'delete-source' ? SOURCE_DELETE_ACTIONS : SOURCE_OBJECT_ACTIONS;
  const bucket = bucketArn(c.source.bucket);
  return (
    `${c.principal} may not ${c.phase === 'delete-source' ? 'delete' : 'read'} it (${code}). Its IAM policy needs ` +
    `${list(actions)} on ${bucket}/${exportPrefix(c.dataset)}* and ${list(SOURCE_BUCKET_ACTIONS)} on ${bucket}` +
    `${kms ? ", and kms:Decrypt on the bucket's key" : ''}: deploy the ${stackIds.push(c.dataset)} stack again. ` +
    `(Every request names the platform account ${c.platformAccount} as the bucket's owner; S3 gives the same ` +
    'AccessDenied if another account owns it.)'
  );
}

function advice(err: unknown, c: ErrorContext): string {
  const code = errorCode(err);
  const message = String((err as Error)?.message);
  const kms = /kms/i.test(message);
  const atTarget = c.phase === 'write-target' || c.phase === 'verify';
  if (isAccessDenied(err) && atTarget && kms) return keyAdvice(message, c);
  if (isAccessDenied(err) && atTarget) return targetAdvice(code, c);
  if (isAccessDenied(err)) return sourceAdvice(code, kms, c);
  if (code === 'NoSuchBucket') {
    const file = `push_datasets/${c.dataset}.yaml`;
    return `the receiving bucket s3://${c.targetBucket} does not exist: check "bucket:" in ${file}.`;
  }
  if (isNotFound(err) && c.phase === 'write-target') {
    return (
      `the copy did not find the source version although HeadObject did (${code}); if this repeats, the S3 ` +
      'endpoint is decoding the copy source differently from AWS.'
    );
  }
  if (isAbort(err) || code === 'DeadlineError') return `${(err as Error).message}.`;
  return `${code}: ${(err as Error)?.message ?? String(err)}.`;
}

const PHASE_WORDS: Record<Phase, string> = {
  'read-source': 'reading the source',
  'write-target': 'writing the target',
  verify: 'verifying the copy',
  'delete-source': 'deleting the exported source version',
};

/** Wraps any failure of one object's export in an ExportError whose message says what happened and what to do. */
export function explain(err: unknown, c: ErrorContext): ExportError {
  const note = c.note ?? '';
  if (err instanceof ExportError) {
    if (note === '') return err;
    return new ExportError(`${err.message}${note}`, err.code, { cause: err.cause, abandonUpload: err.abandonUpload });
  }
  const what = `Export of ${s3Url(c.source)} to s3://${c.targetBucket} failed while ${PHASE_WORDS[c.phase]}`;
  const kept = c.phase === 'delete-source' ? 'The copy is verified; the source was not deleted' : 'The source was kept';
  return new ExportError(`${what}: ${advice(err, c)} ${kept}; the event will be retried.${note}`, errorCode(err), {
    cause: err,
  });
}
