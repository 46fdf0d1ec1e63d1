import type { S3Client } from '@aws-sdk/client-s3';
import type { KeyClaim } from './claim';
import { ExportError } from './errors';
import { s3Url, type ObjectFacts } from './facts';
import { compareSequencers, type KeyRecord } from './ledger';
import { head } from './resolve';
import { isAccessDenied } from './retry';
import type { TargetLocation } from './target-params';
import { compareObjects } from './verify';

/** The target before writing: 403 counts as absent, since without s3:ListBucket S3 answers 403 for a missing key. */
export async function existingTarget(client: S3Client, at: TargetLocation): Promise<ObjectFacts | undefined> {
  try {
    return await head(client, at);
  } catch (err) {
    if (isAccessDenied(err)) return undefined;
    throw err;
  }
}

/** Thrown by the guard when the claim learns, on taking the write, that there is nothing for it to write. */
export class NothingToWrite extends ExportError {
  constructor(
    readonly why: 'superseded' | 'delivered',
    target: TargetLocation,
  ) {
    super(
      `s3://${target.bucket}/${target.key}: ${why === 'superseded' ? 'a newer upload' : 'this upload'} was ` +
        'delivered while this transfer ran, so it was not completed',
      why === 'superseded' ? 'Superseded' : 'Delivered',
      { abandonUpload: true },
    );
  }
}

/**
 * Whether the target may be overwritten with `source` (or already holds it: 'skip'). It may when it is absent, when
 * the ledger shows it is our own delivery (its ETag then) or possibly our own uncommitted write (a claim took the
 * write after the last delivery: a function that stopped between writing and committing), or when it is older than
 * the upload. Anything else is someone else's write made after the upload (the receiver's own, most likely): it is
 * not overwritten, and the export stops with TargetIsNewer, keeping the source.
 */
export function targetDecision(
  source: ObjectFacts,
  target: ObjectFacts | undefined,
  before: KeyRecord,
  keepFiles: boolean,
): 'write' | 'skip' {
  if (!target) return 'write';
  const same = compareObjects(source, target);
  if (same === 'same') return 'skip';
  const { delivered, lastWrite } = before;
  if (delivered?.targetEtag !== undefined && delivered.targetEtag === target.etag) return 'write';
  if (lastWrite && (!delivered || compareSequencers(lastWrite.sequencer, delivered.sequencer) > 0)) return 'write';
  const newer = (target.lastModified?.getTime() ?? 0) > (source.lastModified?.getTime() ?? Infinity);
  if (!newer) return 'write';
  // A kept source copied before the ledger knew of it: an unprovable newer target is most likely that copy.
  if (same === 'unknown' && keepFiles && !delivered) return 'write';
  const when =
    `written ${target.lastModified?.toISOString()}, after this version was uploaded ${source.lastModified?.toISOString()}, ` +
    'and not by this exporter';
  const what =
    same === 'different' ? `holds different bytes ${when}` : `holds an object ${when} (S3 reports no checksum to compare)`;
  throw new ExportError(
    `Export of ${s3Url(source)} stopped: s3://${target.bucket}/${target.key} ${what}. It was not overwritten and the ` +
      'source was kept: ask the receiver about it, then delete the source version, or upload the file again to export it.',
    'TargetIsNewer',
    { abandonUpload: true },
  );
}

/**
 * The check just before the write that makes the object appear at the target: the claim takes the key's write
 * (waiting for any other writer), and the target, looked at only now that nobody else of ours can write it, must be
 * one `targetDecision` lets us overwrite.
 */
export const writeGuard =
  (client: S3Client, claim: KeyClaim, source: ObjectFacts, target: TargetLocation, keepFiles: boolean) =>
  async (): Promise<'write' | 'skip'> => {
    const entry = await claim.write();
    if (entry !== 'go') throw new NothingToWrite(entry, target);
    return targetDecision(source, await existingTarget(client, target), claim.beforeWrite!, keepFiles);
  };
