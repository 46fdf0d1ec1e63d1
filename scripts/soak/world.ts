import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FIXTURE_DATASETS, synthesize } from '../../__tests__/helpers/synth';
import {
  clientFor,
  emptyAndDeleteBucket,
  localS3,
  uniqueName,
  type LocalS3,
} from '../../__tests__/exporter/helpers/local-s3';
import { handoverPrefix, receiverStatements } from '../../naming';
import { ownerProblems, type BucketAccounts } from './expected-owner';
import type { ProxiedRequest } from './fault-proxy';
import { hasFinalReceipt } from './receipts';
import { functionConfig, type FunctionConfig } from './stack-config';
import { sha256, SOAK_DATASETS, type PlannedUpload } from './workload';

const MiB = 1024 * 1024;

/** What the workload uploaded of one key, in upload order. */
export interface KeyHistory {
  readonly dataset: string;
  readonly uploads: { readonly versionId: string; readonly sha256: string }[];
}

/**
 * The soak's platform and receivers on the local server, built as the stacks build them: a versioned export bucket,
 * its unversioned ledger, and one receiving bucket per dataset with exactly the statements `describe` gives receivers.
 * It also remembers what was uploaded, checks every delete of an export before S3 sees it, and checks that every
 * request names the account its bucket must belong to.
 */
export class SoakWorld {
  readonly exportBucket: string;
  readonly ledgerBucket: string;
  readonly receivers: Record<string, string>;
  readonly analyst: S3Client;
  readonly receiver: S3Client;
  readonly keys = new Map<string, KeyHistory>();
  private readonly byVersion = new Map<string, string>();
  /** Deletes made before the receiver held those bytes or newer ones, as found just before S3 got them. */
  readonly wrongDeletes: string[] = [];
  /** Versions whose delete was sent before the receipt of their outcome was written, as found just before S3 got it. */
  readonly unreceipted: string[] = [];
  /** Requests that did not name their bucket's owner as the stacks configure it (at most a few kept, all counted). */
  readonly unpinned: string[] = [];
  unpinnedCount = 0;
  /**
   * Which account owns each bucket of the run, as the functions are told (PLATFORM_ACCOUNT, each TARGET_BUCKET_OWNER
   * from its stack): what the proxy's emulation of S3's owner condition takes as the truth.
   */
  readonly accounts: BucketAccounts;

  private constructor(
    readonly s3: LocalS3,
    readonly functions: readonly FunctionConfig[],
    exportBucket: string,
    private readonly keepFiles: ReadonlySet<string>,
  ) {
    this.exportBucket = exportBucket;
    // As the stacks derive it, not restated here.
    this.ledgerBucket = functions[0].env.LEDGER_BUCKET;
    this.receivers = Object.fromEntries(SOAK_DATASETS.map((d) => [d.name, uniqueName(`soak-${d.name.replace(/_/g, '-')}`)]));
    this.analyst = clientFor(s3, 'exporter');
    this.receiver = clientFor(s3, 'receiver');
    const platform = functions[0].env.PLATFORM_ACCOUNT;
    const receiving = functions.map((f): [string, string] => [this.receivers[f.env.DATASET], f.env.TARGET_BUCKET_OWNER]);
    this.accounts = { ...Object.fromEntries(receiving), [exportBucket]: platform, [this.ledgerBucket]: platform };
  }

  /** Synthesizes the fixture stacks for a fresh export bucket, so the rules match the buckets of this run. */
  static async create(seed: number): Promise<SoakWorld> {
    const s3 = localS3();
    if (!s3) throw new Error('the soak needs the local S3 server: run npm run s3:start');
    const exportBucket = uniqueName(`soak${seed >>> 0}`);
    const { stacks } = synthesize([FIXTURE_DATASETS], { HUB_EXPORTS_EXPORT_BUCKET: exportBucket });
    const functions = SOAK_DATASETS.map((d) => functionConfig(stacks[`push-${d.name}`] as never));
    const keep = new Set(functions.filter((f) => f.env.KEEP_FILES === 'true').map((f) => f.env.DATASET));
    const world = new SoakWorld(s3, functions, exportBucket, keep);
    await world.build();
    return world;
  }

  private async build(): Promise<void> {
    const { analyst, receiver } = this;
    await analyst.send(new CreateBucketCommand({ Bucket: this.exportBucket }));
    await analyst.send(
      new PutBucketVersioningCommand({ Bucket: this.exportBucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await analyst.send(new CreateBucketCommand({ Bucket: this.ledgerBucket }));
    for (const [dataset, bucket] of Object.entries(this.receivers)) {
      await receiver.send(new CreateBucketCommand({ Bucket: bucket }));
      const Statement = receiverStatements({ bucket, dataset, principal: this.s3.exporter.principal });
      await receiver.send(
        new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement }) }),
      );
    }
  }

  /** The deployed function's environment, pointed at this run's buckets, the proxy and the local users' keys. */
  functionEnv(config: FunctionConfig, endpoint: string, claimTtlMs: number): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: this.s3.exporter.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.s3.exporter.secretAccessKey,
      AWS_REGION: this.s3.region,
      TARGET_BUCKET: this.receivers[config.env.DATASET],
      EXPORTER_PRINCIPAL: this.s3.exporter.principal,
      CLAIM_TTL_MS: String(claimTtlMs),
      // Small parts, few at once: tens of multipart objects and transfers long enough to hand over stay small.
      MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
      PART_SIZE_BYTES: String(5 * MiB),
      PART_CONCURRENCY: '2',
    };
  }

  async head(key: string, versionId?: string): Promise<{ size: number; etag: string } | undefined> {
    const out = await this.analyst.send(new HeadObjectCommand({ Bucket: this.exportBucket, Key: key, VersionId: versionId }));
    return { size: out.ContentLength ?? 0, etag: (out.ETag ?? '').replace(/"/g, '') };
  }

  uploaded(u: PlannedUpload, versionId: string, digest: string): void {
    const history = this.keys.get(u.key) ?? { dataset: u.dataset, uploads: [] };
    history.uploads.push({ versionId, sha256: digest });
    this.keys.set(u.key, history);
    this.byVersion.set(versionId, u.key);
  }

  /** What the receiver holds at a key now: its digest, or undefined when there is nothing. */
  async received(dataset: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.receiver.send(new GetObjectCommand({ Bucket: this.receivers[dataset], Key: key }));
      return sha256(await out.Body!.transformToByteArray());
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    }
  }

  /**
   * Before S3 sees a DeleteObject of an uploaded version: the receiver must already hold that version's bytes or a
   * newer upload's, and the dataset must be one that moves. Otherwise it is a wrong delete, whatever happens later.
   */
  checkDelete(req: ProxiedRequest): Promise<void> | undefined {
    const versionId = req.query.get('versionId');
    if (req.method !== 'DELETE' || req.bucket !== this.exportBucket || !versionId) return undefined;
    if (SOAK_DATASETS.some((d) => req.key.startsWith(handoverPrefix(d.name)))) return undefined;
    const history = this.keys.get(req.key);
    const at = history?.uploads.findIndex((u) => u.versionId === versionId) ?? -1;
    if (!history || at < 0) return void this.wrongDeletes.push(`${req.key} (${versionId}): not an upload of the workload`);
    if (this.keepFiles.has(history.dataset)) return void this.wrongDeletes.push(`${req.key}: deleted from a keep_files dataset`);
    const allowed = new Set(history.uploads.slice(at).map((u) => u.sha256));
    const received = this.received(history.dataset, req.key).then(
      (now) => {
        if (now === undefined || !allowed.has(now)) {
          this.wrongDeletes.push(`${req.key} upload ${at + 1}: deleted while the receiver held ${now ? 'older bytes' : 'nothing'}`);
        }
      },
      (err: Error) => void this.wrongDeletes.push(`${req.key}: could not check the receiver before a delete: ${err.message}`),
    );
    const version = { bucket: this.exportBucket, dataset: history.dataset, key: req.key, versionId };
    const receipted = hasFinalReceipt(this.analyst, version).then(
      (has) => void (has || this.unreceipted.push(`${req.key} upload ${at + 1}: deleted before its receipt was written`)),
      (err: Error) => void this.unreceipted.push(`${req.key}: could not look for its receipt before a delete: ${err.message}`),
    );
    return Promise.all([received, receipted]).then(() => undefined);
  }

  /** Every request through the proxy must name the owner of its bucket (and of a copy's source): counted if not. */
  checkOwner(req: ProxiedRequest): void {
    const problems = ownerProblems(this.accounts, req);
    if (problems.length === 0) return;
    this.unpinnedCount++;
    if (this.unpinned.length < 5) this.unpinned.push(...problems);
  }

  /** Every version and delete marker under a prefix of a bucket (up to the first 1,000 per page, all pages). */
  async versions(bucket: string, prefix: string): Promise<{ key: string; versionId: string }[]> {
    const all: { key: string; versionId: string }[] = [];
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let page = 0; page < 1000; page++) {
      const out = await this.analyst.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, ...marker }));
      for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) all.push({ key: v.Key!, versionId: v.VersionId! });
      if (!out.IsTruncated) break;
      marker = { KeyMarker: out.NextKeyMarker, VersionIdMarker: out.NextVersionIdMarker };
    }
    return all;
  }

  async incompleteUploads(bucket: string): Promise<string[]> {
    const out = await this.receiver.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (out.Uploads ?? []).map((u) => `${u.Key} (${u.UploadId})`);
  }

  /** Memstore keeps everything in memory: empty and remove every bucket of the run. */
  async destroy(): Promise<void> {
    const owned: [S3Client, string][] = [
      [this.analyst, this.exportBucket],
      [this.analyst, this.ledgerBucket],
      ...Object.values(this.receivers).map((b): [S3Client, string] => [this.receiver, b]),
    ];
    for (const [client, bucket] of owned) await emptyAndDeleteBucket(client, bucket);
    this.analyst.destroy();
    this.receiver.destroy();
  }
}
