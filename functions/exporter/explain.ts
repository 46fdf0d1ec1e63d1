import {
  bucketArn,
  exportPrefix,
  RECEIPT_WRITE_ACTIONS,
  receiptPrefix,
  receiverKeyStatement,
  receiverStatements,
  SOURCE_BUCKET_ACTIONS,
  SOURCE_DELETE_ACTIONS,
  SOURCE_OBJECT_ACTIONS,
  stackIds,
} from '../../naming';
import {
  errorCode,
  ExportError,
  isAbort,
  isAccessDenied,
  isNotFound,
  reason,
  UploadLeftError,
  type Phase,
} from './errors';
import { s3Url } from './object';

/**
 * What a failed export tells the data engineer who reads it: what was being done, what S3 said, what to change and
 * where (which file, which stack, which statement the receiver must add), and what became of the source. Composed
 * once, here, from the failure (kept as `cause`) and the notes passed in.
 */

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

/** A KMS key's ARN as KMS names it in a refusal that S3 passes on. */
const KEY_ARN = /arn:aws[\w-]*:kms:[\w-]+:\d{12}:key\/[\w-]+/;

/**
 * Whose key refused us. The export bucket encrypts with S3-managed keys (SSE-S3, stacks/secure-bucket.ts), so a key
 * on our side is one an uploader chose for the object (SSE-KMS): the only key before the write, and a key of the
 * platform's account during it, as a receiver's never is (config/rules.ts refuses such a kms_key_arn). Otherwise it
 * is the receiving bucket's.
 */
function keySide(keyArn: string | undefined, c: ErrorContext): 'source' | 'target' {
  if (c.phase === 'read-source' || c.phase === 'delete-source') return 'source';
  const account = keyArn?.split(':')[4];
  return account === c.platformAccount && account !== c.targetBucketOwner ? 'source' : 'target';
}

/**
 * A receiving bucket that encrypts with its own KMS key refuses a writer that may not use the key: both the dataset
 * (our side of the grant) and the key's policy (theirs) must name it. KMS names the key in its message.
 */
function keyAdvice(used: string | undefined, c: ErrorContext): string {
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
 * The source object is encrypted with a KMS key the exporter role may not use. The export bucket's own encryption
 * (SSE-S3) needs no key policy and the exporter role is granted no key of the platform's, so no deploy fixes it and
 * the receiver has nothing to do: the uploader chose the key, and only uploading the file again without one fixes it.
 */
function sourceKeyAdvice(code: string, keyArn: string | undefined, c: ErrorContext): string {
  return (
    `${s3Url(c.source)} is encrypted with ${keyArn ? `the KMS key ${keyArn}` : 'a KMS key'}, which ${c.principal} ` +
    `may not use (${code}): the file was uploaded with a key chosen for it (SSE-KMS), while the export bucket's own ` +
    'encryption uses S3-managed keys (SSE-S3), which need no key policy. Upload it again without choosing a KMS ' +
    "key, so that the bucket's default encryption applies; nothing is needed from the receiving account."
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
    "If the statements are there already, look for an explicit Deny: in that bucket's policy (one that demands an " +
    "encryption header refuses every write, as the exporter sends none and S3 applies the bucket's default " +
    "encryption), in a resource control policy of the receiving account's organization, or in a service control " +
    'policy that applies to the platform account.';
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
function sourceAdvice(code: string, c: ErrorContext): string {
  const actions = c.phase === 'delete-source' ? SOURCE_DELETE_ACTIONS : SOURCE_OBJECT_ACTIONS;
  const bucket = bucketArn(c.source.bucket);
  return (
    `${c.principal} may not ${c.phase === 'delete-source' ? 'delete' : 'read'} it (${code}). Its IAM policy needs ` +
    `${list(actions)} on ${bucket}/${exportPrefix(c.dataset)}* and ${list(SOURCE_BUCKET_ACTIONS)} on ${bucket}: ` +
    `deploy the ${stackIds.push(c.dataset)} stack again. ` +
    `(Every request names the platform account ${c.platformAccount} as the bucket's owner; S3 gives the same ` +
    'AccessDenied if another account owns it.)'
  );
}

/** The role may not write its receipts: its policy is older than the exporter, or was changed by hand. */
function receiptAdvice(code: string, c: ErrorContext): string {
  return (
    `${c.principal} may not write its receipt (${code}). Its IAM policy needs ${list(RECEIPT_WRITE_ACTIONS)} on ` +
    `${bucketArn(c.source.bucket)}/${receiptPrefix(c.dataset)}*: deploy the ${stackIds.push(c.dataset)} stack again.`
  );
}

function advice(err: unknown, c: ErrorContext): string {
  const code = errorCode(err);
  const message = String((err as Error)?.message);
  // "kms:" (an action, or a key's ARN), not "kms": a dataset named like hmrc_kms_extracts is in every message.
  const kms = /\bkms:/i.test(message);
  const atTarget = c.phase === 'write-target' || c.phase === 'verify';
  if (isAccessDenied(err) && kms && c.phase !== 'write-receipt') {
    const keyArn = message.match(KEY_ARN)?.[0];
    return keySide(keyArn, c) === 'source' ? sourceKeyAdvice(code, keyArn, c) : keyAdvice(keyArn, c);
  }
  if (isAccessDenied(err) && atTarget) return targetAdvice(code, c);
  if (isAccessDenied(err) && c.phase === 'write-receipt') return receiptAdvice(code, c);
  if (isAccessDenied(err)) return sourceAdvice(code, c);
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
  'write-receipt': 'writing its receipt',
  'delete-source': 'deleting the exported source version',
};

/**
 * Wraps any failure of one object's export in an ExportError whose message says what happened and what to do, then
 * what became of an upload left behind, then `c.note`: composed here, once.
 */
export function explain(err: unknown, c: ErrorContext): ExportError {
  const failure = reason(err);
  const notes = [err instanceof UploadLeftError ? err.note : '', c.note ?? '']
    .filter(Boolean)
    .map((n) => ` ${n.trim()}`);
  if (failure instanceof ExportError) {
    if (notes.length === 0) return failure;
    const { code, cause, abandonUpload } = failure;
    return new ExportError(`${failure.message}${notes.join('')}`, code, { cause, abandonUpload });
  }
  const what = `Export of ${s3Url(c.source)} to s3://${c.targetBucket} failed while ${PHASE_WORDS[c.phase]}`;
  const kept =
    c.phase === 'delete-source' || c.phase === 'write-receipt'
      ? 'The copy is verified; the source was not deleted'
      : 'The source was kept';
  const message = `${what}: ${advice(failure, c)} ${kept}; the event will be retried.${notes.join('')}`;
  return new ExportError(message, errorCode(failure), { cause: err });
}
