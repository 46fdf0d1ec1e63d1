import { bucketArn, exportPrefix, stackIds } from '../../naming';
import { s3Url } from './facts';
import { receiverStatement, SOURCE_BUCKET_ACTIONS, SOURCE_DELETE_ACTIONS, SOURCE_OBJECT_ACTIONS } from './permissions';
import { errorCode, isAbort, isAccessDenied, isNotFound } from './retry';

/** A failed export, told so that a data engineer knows what to change; the source is always kept. */
export class ExportError extends Error {
  override name = 'ExportError';
  constructor(message: string, readonly code: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export type Phase = 'read-source' | 'write-target' | 'verify' | 'delete-source';

export interface ErrorContext {
  readonly phase: Phase;
  readonly dataset: string;
  readonly principal: string;
  readonly source: { bucket: string; key: string; versionId?: string };
  readonly targetBucket: string;
}

const list = (actions: readonly string[]) => actions.join(', ');

function advice(err: unknown, c: ErrorContext): string {
  const code = errorCode(err);
  const kms = /kms/i.test(String((err as Error)?.message));
  if (isAccessDenied(err) && (c.phase === 'write-target' || c.phase === 'verify')) {
    const statement = JSON.stringify(receiverStatement({ bucket: c.targetBucket, dataset: c.dataset, principal: c.principal }));
    return (
      `s3://${c.targetBucket} refused ${c.principal} (${code}). The receiving account must add this statement to ` +
      `that bucket's policy:\n${statement}\n` +
      (kms
        ? `The bucket encrypts with a KMS key: its key policy must also allow ${c.principal} ` +
          'kms:GenerateDataKey and kms:Decrypt.'
        : 'If the statement is there already, check that the role may read the source (KMS key of the export bucket) ' +
          `and that no explicit Deny or SCP applies.`)
    );
  }
  if (isAccessDenied(err)) {
    const actions = c.phase === 'delete-source' ? SOURCE_DELETE_ACTIONS : SOURCE_OBJECT_ACTIONS;
    return (
      `${c.principal} may not ${c.phase === 'delete-source' ? 'delete' : 'read'} it (${code}). Its IAM policy needs ` +
      `${list(actions)} on ${bucketArn(c.source.bucket)}/${exportPrefix(c.dataset)}* and ${list(
        SOURCE_BUCKET_ACTIONS,
      )} ` +
      `on ${bucketArn(c.source.bucket)}${kms ? ", and kms:Decrypt on the bucket's key" : ''}: ` +
      `deploy the ${stackIds.push(c.dataset)} stack again.`
    );
  }
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
  if (err instanceof ExportError) return err;
  const what = `Export of ${s3Url(c.source)} to s3://${c.targetBucket} failed while ${PHASE_WORDS[c.phase]}`;
  const kept = c.phase === 'delete-source' ? 'The copy is verified; the source was not deleted' : 'The source was kept';
  return new ExportError(`${what}: ${advice(err, c)} ${kept}; the event will be retried.`, errorCode(err), {
    cause: err,
  });
}
