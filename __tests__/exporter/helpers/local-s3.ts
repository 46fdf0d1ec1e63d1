import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  AbortMultipartUploadCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createS3Client } from '../../../functions/exporter/config';
import { receiverStatements } from '../../../naming';
import { localS3EnvFile } from '../../../scripts/local-s3/dir';
import { runOrSkip, type Missing } from '../../helpers/prerequisites';
import { nextSequencer } from './events';
import { S3_UNAVAILABLE, s3StartFailed } from '../global-setup';

/** What `npm run s3:start` writes to .local-s3/env. */
export interface LocalS3 {
  readonly endpoint: string;
  readonly region: string;
  readonly exporter: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly principal: string };
  readonly receiver: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly principal: string };
}

/** The paperwork reference the exporter writes into every receipt in these tests. */
export const PAPERWORK = 'DPIA-2026-041 (test)';
/** The dataset every exporter test exports (its keys start with `proj/`). */
export const DATASET = 'proj';

/**
 * The accounts the exporter is told own the buckets (PLATFORM_ACCOUNT: the export bucket and the ledger;
 * TARGET_BUCKET_OWNER: the receiving bucket), with a leading zero that must survive. RGW 16.2 has no accounts and
 * ignores the owner headers (bucket-owner.s3.test.ts shows both, and emulates S3's check in a proxy).
 */
export const ACCOUNTS = Object.freeze({ platform: '111122223333', receiver: '012345678901' });

export const ENV_FILE = localS3EnvFile();

/** What `.local-s3/env` says (undefined when there is none): for scripts, which start the server themselves. */
export function localS3(): LocalS3 | undefined {
  if (!fs.existsSync(ENV_FILE)) return undefined;
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(ENV_FILE, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return {
    endpoint: env.AWS_ENDPOINT_URL_S3,
    region: env.AWS_REGION,
    exporter: {
      accessKeyId: env.EXPORTER_AWS_ACCESS_KEY_ID,
      secretAccessKey: env.EXPORTER_AWS_SECRET_ACCESS_KEY,
      principal: env.EXPORTER_PRINCIPAL,
    },
    receiver: {
      accessKeyId: env.RECEIVER_AWS_ACCESS_KEY_ID,
      secretAccessKey: env.RECEIVER_AWS_SECRET_ACCESS_KEY,
      principal: env.RECEIVER_PRINCIPAL,
    },
  };
}

/**
 * Why the S3 suites cannot run, if they cannot: the global setup's reason when it could not start the server, else a
 * missing env file (jest run without the global setup).
 */
function s3Missing(): Missing | undefined {
  const reason = process.env[S3_UNAVAILABLE];
  if (reason) return s3StartFailed(reason);
  const what = `${ENV_FILE} is missing (no local S3 server)`;
  return fs.existsSync(ENV_FILE) ? undefined : { what, fix: 'run npm run s3:start' };
}

let decided: { s3: LocalS3 | undefined } | undefined;

/**
 * The local server for an S3 suite, or undefined when the suite must skip (it has said so in one line). In CI its
 * absence fails the suite instead (helpers/prerequisites.ts). Decided once per test file, however many describe
 * blocks ask.
 */
export function suiteS3(): LocalS3 | undefined {
  decided ??= { s3: runOrSkip(s3Missing()) ? localS3() : undefined };
  return decided.s3;
}

export function clientFor(s3: LocalS3, who: 'exporter' | 'receiver'): S3Client {
  const { accessKeyId, secretAccessKey } = s3[who];
  return createS3Client(
    { endpoint: s3.endpoint },
    { region: s3.region, credentials: { accessKeyId, secretAccessKey } },
  );
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;
export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Random bytes: a wrong range or a truncated copy changes the hash. */
export const bytesOf = (size: number): Buffer => randomBytes(size);

/**
 * The platform side and the receiving side as on AWS: the export bucket owned by the exporter user and versioned;
 * the receiving bucket owned by the receiver user, allowing the exporter with exactly the statement our errors quote.
 */
export class Buckets {
  readonly exportBucket = uniqueName('hub-exports');
  readonly receiverBucket = uniqueName('receiver');
  /** Unversioned, as the exporter stack makes it: conditional writes are exact there. */
  readonly ledgerBucket = uniqueName('hub-exports-ledger');
  readonly exporter: S3Client;
  readonly receiver: S3Client;

  constructor(readonly s3: LocalS3) {
    this.exporter = clientFor(s3, 'exporter');
    this.receiver = clientFor(s3, 'receiver');
  }

  async create(options: { policy?: boolean; receiverVersioned?: boolean } = {}): Promise<this> {
    await this.exporter.send(new CreateBucketCommand({ Bucket: this.exportBucket }));
    await this.exporter.send(
      new PutBucketVersioningCommand({ Bucket: this.exportBucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await this.exporter.send(new CreateBucketCommand({ Bucket: this.ledgerBucket }));
    await this.receiver.send(new CreateBucketCommand({ Bucket: this.receiverBucket }));
    if (options.receiverVersioned) {
      await this.receiver.send(
        new PutBucketVersioningCommand({ Bucket: this.receiverBucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
    if (options.policy ?? true) await this.allowExporter();
    return this;
  }

  /** The receiver's bucket policy: by default exactly the statements `describe` tells receivers to add. */
  async allowExporter(
    statements: object | object[] = receiverStatements({
      bucket: this.receiverBucket,
      dataset: DATASET,
      principal: this.s3.exporter.principal,
    }),
  ) {
    const Statement = Array.isArray(statements) ? statements : [statements];
    await this.receiver.send(
      new PutBucketPolicyCommand({
        Bucket: this.receiverBucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement }),
      }),
    );
  }

  /** An analyst's upload: returns what the "Object Created" event would say about it. */
  async upload(key: string, body: Uint8Array, extra: Partial<PutObjectCommandInput> = {}) {
    const out = await this.exporter.send(
      new PutObjectCommand({ Bucket: this.exportBucket, Key: key, Body: body, ...extra }),
    );
    // Taken when S3 has answered: uploads made one after another get increasing sequencers, as S3 gives them.
    const sequencer = nextSequencer();
    return { key, size: body.length, etag: out.ETag!.replace(/"/g, ''), versionId: out.VersionId!, sequencer };
  }

  /** Every version and delete marker in a bucket, oldest last, as its owner sees them. */
  async versions(which: 'export' | 'ledger' | 'receiver', prefix?: string) {
    const [client, Bucket] =
      which === 'export'
        ? [this.exporter, this.exportBucket]
        : which === 'ledger'
          ? [this.exporter, this.ledgerBucket]
          : [this.receiver, this.receiverBucket];
    const out = await client.send(new ListObjectVersionsCommand({ Bucket, Prefix: prefix }));
    return [
      ...(out.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, latest: v.IsLatest, marker: false })),
      ...(out.DeleteMarkers ?? []).map((v) => ({
        key: v.Key!,
        versionId: v.VersionId!,
        latest: v.IsLatest,
        marker: true,
      })),
    ];
  }

  /** The receiver reading its object: bytes as they arrived and the headers it got. */
  async received(key: string) {
    const out = await this.receiver.send(new GetObjectCommand({ Bucket: this.receiverBucket, Key: key }));
    const body = await out.Body!.transformToByteArray();
    return { body, sha256: sha256(body), out };
  }

  async incompleteUploads(): Promise<string[]> {
    const out = await this.receiver.send(new ListMultipartUploadsCommand({ Bucket: this.receiverBucket }));
    return (out.Uploads ?? []).map((u) => u.Key!);
  }

  /** Memstore keeps everything in RAM: empty and remove the three buckets. */
  async destroy(): Promise<void> {
    await emptyAndDeleteBucket(this.exporter, this.exportBucket);
    await emptyAndDeleteBucket(this.exporter, this.ledgerBucket);
    await emptyAndDeleteBucket(this.receiver, this.receiverBucket);
    this.exporter.destroy();
    this.receiver.destroy();
  }
}

/**
 * Rounds of listing and removing before giving up: far more than any test or soak run leaves (1,000 a round), yet a
 * bucket that will not empty cannot hang a teardown.
 */
const CLEAN_UP_ROUNDS = 100;

/**
 * Empties a bucket of the local server and deletes it, as a teardown needs it: memstore keeps everything in RAM, and
 * S3 refuses to delete a bucket that still holds anything. Incomplete multipart uploads go first (their parts are
 * stored too); then versions and delete markers, which a plain object listing does not show. An unversioned bucket
 * lists its objects as version "null", so the one loop serves both kinds. A failure is a warning, not an error: a
 * test that passed does not fail in its clean-up, and the caller's other buckets still get theirs. A bucket already
 * gone is no failure.
 */
export async function emptyAndDeleteBucket(client: S3Client, bucket: string): Promise<void> {
  const Bucket = bucket; // as the SDK spells it, for the shorthand below
  try {
    for (let round = 0; round < CLEAN_UP_ROUNDS; round++) {
      const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket }));
      if (Uploads.length === 0) break;
      for (const u of Uploads) {
        await client.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key!, UploadId: u.UploadId! }));
      }
    }
    for (let round = 0; round < CLEAN_UP_ROUNDS; round++) {
      const out = await client.send(new ListObjectVersionsCommand({ Bucket }));
      const all = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])];
      if (all.length === 0) break;
      // DeleteObjects takes at most 1,000 keys, whatever page size the server chose.
      const Objects = all.slice(0, 1000).map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
      await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket }));
  } catch (err) {
    if ((err as Error).name !== 'NoSuchBucket') console.warn(`clean-up of ${bucket}: ${(err as Error).message}`);
  }
}
