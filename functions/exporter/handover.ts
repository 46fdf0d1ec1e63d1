import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { exportPrefix, handoverPrefix } from '../../naming';
import type { KeyClaim } from './claim';
import type { ExporterConfig } from './config';
import { DEFAULTS, MAX_PART_BYTES, MIN_PART_BYTES } from './defaults';
import { ExportError, isNotFound, reason, stepOf } from './errors';
import type { ObjectCreated } from './event';
import { expectOwner, type ObjectFacts, type OwnedBucket } from './object';
import { abortUpload, uploadsAt, type OpenUpload } from './transfer/multipart';
import { partCount } from './transfer/parts';
import { targetUpload, type TargetLocation } from './transfer/requests';

/**
 * The handover: what a multipart copy or stream too long for one invocation leaves for the next, as a JSON object in
 * the export bucket under `handoverPrefix(dataset)`. Writing it is what starts the next invocation: the dataset's
 * EventBridge rule matches that prefix too, and the handler sends such events to `exportHandedOver`. Its open upload
 * (`strategy`, `uploadId`, `completed`) is what the next invocation's Transfer takes as `handover`.
 */
export interface Handover extends OpenUpload {
  /** The exact source version, as resolved by the first invocation. */
  readonly source: ObjectFacts;
  readonly target: TargetLocation;
  readonly partSize: number;
  /** Invocations so far, this one included. */
  readonly invocations: number;
  /** When the first invocation started (ISO 8601). */
  readonly startedAt: string;
  /** The transfer's claim on the key in the ledger (claim.ts), which the next invocation takes up. */
  readonly claimId: string;
  /** The source upload's place in S3's order of the key's writes (its event's sequencer). */
  readonly sequencer: string;
}

/** One version of a handover object, in the export bucket, which the platform's account (`owner`) must own. */
export interface HandoverVersion extends OwnedBucket {
  readonly key: string;
  readonly versionId: string;
}

/**
 * The stored format's name predates the word "handover" and is kept, so handovers written before the rename are
 * followed. Version 2 names the claim and the sequencer; version 1 (before the ledger) is refused.
 */
const FORMAT = 'hub-exports/multipart-progress/2';

/** Whether the event is for a handover of this dataset's exporter rather than for an upload. */
export const isHandover = (dataset: string, event: Pick<ObjectCreated, 'key'>): boolean =>
  event.key.startsWith(handoverPrefix(dataset));

/** One object per source version; hashed because a key of up to 1,024 bytes must fit under the prefix. */
export function handoverKey(dataset: string, source: Pick<ObjectFacts, 'key' | 'versionId'>): string {
  const digest = createHash('sha256')
    .update(`${source.key}\n${source.versionId ?? ''}`)
    .digest('hex');
  return `${handoverPrefix(dataset)}${digest.slice(0, 40)}.json`;
}

/**
 * Writes the handover (the next invocation starts from the event this write causes), then deletes the version that
 * started this invocation, if any, so that a repeated event for it finds nothing and does nothing.
 */
export async function writeHandover(
  client: S3Client,
  config: Pick<ExporterConfig, 'dataset' | 'platformAccount'>,
  handover: Handover,
  replaces?: HandoverVersion,
): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: handover.source.bucket,
      Key: handoverKey(config.dataset, handover.source),
      Body: JSON.stringify({ format: FORMAT, ...handover }),
      ContentType: 'application/json',
      ...expectOwner(config.platformAccount),
    }),
  );
  if (replaces) await deleteHandover(client, replaces);
}

export async function deleteHandover(client: S3Client, at: HandoverVersion): Promise<void> {
  await client.send(
    new DeleteObjectCommand({ Bucket: at.bucket, Key: at.key, VersionId: at.versionId, ...expectOwner(at.owner) }),
  );
}

/** The handover stored at that exact version; undefined when it is gone (the export finished, or a newer one exists). */
export async function readHandover(
  client: S3Client,
  config: Pick<ExporterConfig, 'dataset' | 'targetBucket' | 'targetBucketOwner'>,
  at: HandoverVersion,
): Promise<Handover | undefined> {
  let text: string;
  try {
    const got = await client.send(
      new GetObjectCommand({ Bucket: at.bucket, Key: at.key, VersionId: at.versionId, ...expectOwner(at.owner) }),
    );
    text = await got.Body!.transformToString();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return parseHandover(text, config, at);
}

/**
 * Only a handover this dataset's exporter could have written is followed: a source under the dataset's prefix in the
 * bucket the state lives in, the dataset's own target at the same key, whole parts. Anything else is refused, so a
 * state object cannot make the exporter copy or delete what an upload event could not. The target's owner is this
 * function's TARGET_BUCKET_OWNER, never what the handover says (one written before issue 12 says nothing).
 */
export function parseHandover(
  text: string,
  config: Pick<ExporterConfig, 'dataset' | 'targetBucket' | 'targetBucketOwner'>,
  at: { bucket: string; key: string },
): Handover {
  const refuse = (why: string) =>
    new ExportError(
      `s3://${at.bucket}/${at.key} is not a handover this exporter wrote (${why}): nothing was copied or deleted. ` +
        'Delete it if nobody knows where it came from.',
      'BadHandover',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw refuse('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw refuse('not a JSON object');
  const p = parsed as Record<string, unknown>;
  if (p.format !== FORMAT) throw refuse(`format ${JSON.stringify(p.format)}, expected ${FORMAT}`);
  const source = p.source as Record<string, unknown> | undefined;
  const target = p.target as Record<string, unknown> | undefined;
  const completed = p.completed as { PartNumber?: unknown; ETag?: unknown }[] | undefined;
  const prefix = exportPrefix(config.dataset);
  if (source?.bucket !== at.bucket || typeof source.key !== 'string' || !source.key.startsWith(prefix))
    throw refuse(`its source is not under s3://${at.bucket}/${prefix}`);
  if (typeof source.versionId !== 'string' || typeof source.size !== 'number') throw refuse('no source version');
  if (target?.bucket !== config.targetBucket || target.key !== source.key)
    throw refuse(`its target is not s3://${config.targetBucket}/${source.key}`);
  if (typeof p.uploadId !== 'string' || typeof p.invocations !== 'number') throw refuse('no upload');
  if (typeof p.claimId !== 'string' || typeof p.sequencer !== 'string' || !/^[0-9A-Fa-f]{1,64}$/.test(p.sequencer))
    throw refuse('no claim');
  const strategy = p.strategy;
  if (strategy !== 'multipart-copy' && strategy !== 'stream') throw refuse(`strategy ${JSON.stringify(strategy)}`);
  const partSize = p.partSize;
  if (typeof partSize !== 'number' || partSize < MIN_PART_BYTES || partSize > MAX_PART_BYTES)
    throw refuse('a part size S3 does not allow');
  const count = partCount(source.size, partSize);
  const wholePart = (c: { PartNumber?: unknown; ETag?: unknown }) =>
    Number.isInteger(c.PartNumber) &&
    (c.PartNumber as number) >= 1 &&
    (c.PartNumber as number) <= count &&
    typeof c.ETag === 'string';
  if (!Array.isArray(completed) || !completed.every(wholePart)) throw refuse('malformed parts');
  return {
    source: revived(source),
    target: { bucket: config.targetBucket, key: source.key, owner: config.targetBucketOwner },
    strategy,
    uploadId: p.uploadId,
    partSize,
    completed: completed as CompletedPart[],
    invocations: p.invocations,
    startedAt: String(p.startedAt),
    claimId: p.claimId,
    sequencer: p.sequencer,
  };
}

/** The source's facts as JSON left them: its dates are strings again, and become dates. */
function revived(source: Record<string, unknown>): ObjectFacts {
  const facts = source as unknown as ObjectFacts & { lastModified?: string; headers: { Expires?: string } };
  return {
    ...facts,
    ...(facts.lastModified !== undefined && { lastModified: new Date(facts.lastModified) }),
    headers: {
      ...facts.headers,
      ...(facts.headers?.Expires !== undefined && { Expires: new Date(facts.headers.Expires) }),
    },
  };
}

/**
 * The handover's upload can never be completed (the source is gone, or nothing is to be written): it is aborted and
 * the claim released. The handover itself is for the caller to drop, once the source is dealt with: dropped first, a
 * failure on the way would leave the retry of its event nothing to find, and the source undeleted for ever.
 */
export async function abortHandedOverUpload(client: S3Client, handover: Handover, claim?: KeyClaim): Promise<void> {
  const upload = targetUpload(handover.target, handover.uploadId);
  await abortUpload(client, upload, DEFAULTS.partAttempts, new Error('abandoned'));
  await claim?.release();
}

/**
 * Whether the handover's upload is still open. AWS answers NoSuchUpload for a part of an aborted upload; RGW answers
 * 403 without a code, so a failure is checked against the list. Without the permission to list, it cannot tell.
 */
export async function handoverUploadOpen(client: S3Client, handover: Handover): Promise<boolean> {
  try {
    return (await uploadsAt(client, handover.target)).some((u) => u.uploadId === handover.uploadId);
  } catch {
    return true;
  }
}

/** No retry can complete the upload in progress (ExportError.abandonUpload): it is aborted rather than kept. */
export const abandons = (err: unknown): boolean => {
  const failure = reason(stepOf(err).failure);
  return failure instanceof ExportError && failure.abandonUpload;
};

/** What a failed handed-over export leaves for the retry, said at the end of its message. */
export function keptNote(err: unknown, handover: Handover | undefined): string {
  // Only while writing is the upload still open; once verifying or deleting, it was completed (or aborted).
  if (!handover || stepOf(err).phase !== 'write-target' || abandons(err)) return '';
  const total = partCount(handover.source.size, handover.partSize);
  return (
    `The multipart upload ${handover.uploadId} and its handover (${handover.completed.length} of ${total} parts) ` +
    'were kept: the retry continues from there.'
  );
}
