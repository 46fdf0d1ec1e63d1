import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { datasetsRoot, loadDatasets } from '../../config';
import { describePush } from '../../describe';
import { resolveSettings } from '../../settings';
import { startLocal, type LocalMode, type LocalOptions } from '../../scripts/local/local';
import { readEnvFile } from '../../scripts/local/setup';
import { bytesOf, clientFor, suiteS3, sha256, uniqueName } from './helpers/local-s3';

/**
 * `npm run local` as a person uses it, programmatically: uploads through the proxy with the keys analyst.env gives,
 * as `aws s3 cp` would (a small PutObject, a multipart upload for the large file), and the files seen arriving with
 * the receiver's keys and leaving the export bucket, while the function's log lines come through onLog.
 */

const MiB = 1024 * 1024;
const s3 = suiteS3();

/** The first of the repository's push datasets that moves files: the test watches them leave the export bucket. */
function movingDataset(): string {
  const { settings } = resolveSettings({}, () => undefined);
  const { datasets } = loadDatasets([datasetsRoot()], { settings: settings!.platform });
  const found = datasets.push.find((d) => !d.keep_files);
  if (!found) throw new Error('no push dataset of the repository moves files (all have keep_files: true)');
  return found.name;
}

/** A client configured only from an env file local mode wrote, as the AWS CLI would read it. */
function clientFrom(file: string): S3Client {
  const env = readEnvFile(file);
  return new S3Client({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Memstore keeps everything in memory: empty and remove a bucket of this test. */
async function removeBucket(client: S3Client, Bucket: string): Promise<void> {
  try {
    for (let i = 0; i < 100; i++) {
      const out = await client.send(new ListObjectVersionsCommand({ Bucket }));
      const all = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])];
      if (all.length === 0) break;
      const Objects = all.map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
      await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket }));
  } catch (err) {
    if ((err as Error).name !== 'NoSuchBucket') console.warn(`clean-up of ${Bucket}: ${(err as Error).message}`);
  }
}

(s3 ? describe : describe.skip)('npm run local', () => {
  const dataset = s3 ? movingDataset() : '';
  const envDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-mode-'));
  // Buckets of this test alone; the stack is synthesized for this export bucket, so its rule matches.
  const buckets = { exportBucket: uniqueName('local-exports'), receiverBucket: uniqueName('local-receiver') };
  const logs: string[] = [];
  const printed: string[] = [];
  const options: LocalOptions = {
    dataset,
    port: 0,
    ...buckets,
    envDir,
    print: (line) => printed.push(line),
    onLog: (line) => logs.push(line),
  };
  let local: LocalMode | undefined;
  const platform = s3 && clientFor(s3, 'exporter');

  beforeAll(async () => {
    local = await startLocal(options);
  });

  afterAll(async () => {
    await local?.stop();
    if (!s3 || !platform) return;
    const receiver = clientFor(s3, 'receiver');
    await removeBucket(platform, buckets.exportBucket);
    await removeBucket(platform, `${buckets.exportBucket}-ledger`);
    await removeBucket(receiver, buckets.receiverBucket);
    platform.destroy();
    receiver.destroy();
    fs.rmSync(envDir, { recursive: true, force: true });
  });

  const received = async (receiver: S3Client, key: string): Promise<string | undefined> => {
    try {
      const out = await receiver.send(new GetObjectCommand({ Bucket: buckets.receiverBucket, Key: key }));
      return sha256(await out.Body!.transformToByteArray());
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  };
  const versionsLeft = async (key: string): Promise<number> => {
    const out = await platform!.send(new ListObjectVersionsCommand({ Bucket: buckets.exportBucket, Prefix: key }));
    return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => v.Key === key).length;
  };
  /** Arrived with the same bytes, and no version of it is left in the export bucket. */
  const outcomes = (key: string) =>
    logs
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { key?: string; outcome?: string })
      .filter((l) => l.key === key)
      .map((l) => l.outcome);
  // The function deletes the source before it logs its outcome, and the line then travels from the worker process:
  // wait for the line too, or a busy machine reads the log before it arrives.
  const moved = async (key: string, digest: string) => {
    const receiver = clientFrom(local!.receiverEnv);
    await eventually(`${key} at the receiver`, async () => (await received(receiver, key)) === digest);
    await eventually(`${key} gone from the export bucket`, async () => (await versionsLeft(key)) === 0);
    await eventually(`the outcome of ${key} logged`, async () => outcomes(key).length > 0);
    receiver.destroy();
  };

  test('listens on the free port it reports and writes env files for the analyst and the receiver', () => {
    expect(local!.port).toBeGreaterThan(0);
    expect(local!.endpoint).toBe(`http://127.0.0.1:${local!.port}`);
    const analyst = readEnvFile(local!.analystEnv);
    expect(analyst).toMatchObject({ AWS_ENDPOINT_URL: local!.endpoint, AWS_ENDPOINT_URL_S3: local!.endpoint });
    expect(analyst.AWS_ACCESS_KEY_ID).toBe(s3!.exporter.accessKeyId);
    const receiver = readEnvFile(local!.receiverEnv);
    expect(receiver).toMatchObject({ AWS_ENDPOINT_URL: s3!.endpoint, AWS_ACCESS_KEY_ID: s3!.receiver.accessKeyId });
    expect(local!.ledgerBucket).toBe(`${buckets.exportBucket}-ledger`);
    expect(printed).toContain(`  analyst s3 cp some.csv s3://${buckets.exportBucket}/${dataset}/some.csv`);
  });

  test("the receiving bucket's policy is what describe prints, naming the local exporter user", async () => {
    const { settings } = resolveSettings({}, () => undefined);
    const { datasets } = loadDatasets([datasetsRoot()], { settings: settings!.platform });
    const d = { ...datasets.push.find((x) => x.name === dataset)!, bucket: buckets.receiverBucket };
    const expected = describePush(settings!.platform, d, 'x').receiverStatements.map((st) => ({
      ...st,
      Principal: { AWS: s3!.exporter.principal },
    }));
    const receiver = clientFor(s3!, 'receiver');
    const out = await receiver.send(new GetBucketPolicyCommand({ Bucket: buckets.receiverBucket }));
    receiver.destroy();
    expect(JSON.parse(out.Policy!).Statement).toEqual(expected);
  });

  test('a small file and an 11 MiB multipart upload arrive at the receiver and leave the export bucket', async () => {
    const analyst = clientFrom(local!.analystEnv);
    const Bucket = buckets.exportBucket;
    const small = { key: `${dataset}/by hand/small.csv`, body: Buffer.from('id,value\n1,a\n') };
    const large = { key: `${dataset}/by hand/large.bin`, body: bytesOf(11 * MiB) };
    await analyst.send(new PutObjectCommand({ Bucket, Key: small.key, Body: small.body }));
    // As `aws s3 cp` does above its threshold: CreateMultipartUpload, UploadPart × 3, CompleteMultipartUpload.
    const upload = new Upload({
      client: analyst,
      params: { Bucket, Key: large.key, Body: large.body },
      partSize: 5 * MiB,
    });
    const parts = new Set<number>();
    upload.on('httpUploadProgress', (p) => p.part !== undefined && parts.add(p.part));
    await upload.done();
    expect([...parts].sort()).toEqual([1, 2, 3]);
    analyst.destroy();

    await moved(small.key, sha256(small.body));
    await moved(large.key, sha256(large.body));
    expect(outcomes(small.key)).toContain('moved');
    expect(outcomes(large.key)).toContain('moved');
    expect(printed.some((l) => l.endsWith(logs.find((x) => x.includes('"moved"'))!))).toBe(true);
  });

  // The ledger outlives a run; the simulated sequencers start again at each: an upload of the second run must not
  // pass for one the first run delivered (the exporter would then delete it without copying it).
  test('a second run finds the buckets there and delivers a new upload of a key the first run delivered', async () => {
    await local!.stop();
    logs.length = 0;
    local = await startLocal(options);
    const analyst = clientFrom(local.analystEnv);
    const uploads = [
      { key: `${dataset}/by hand/small.csv`, body: Buffer.from('id,value\n1,changed\n') },
      { key: `${dataset}/again.csv`, body: Buffer.from('second run\n') },
    ];
    for (const u of uploads) {
      await analyst.send(new PutObjectCommand({ Bucket: buckets.exportBucket, Key: u.key, Body: u.body }));
    }
    analyst.destroy();
    for (const u of uploads) {
      await moved(u.key, sha256(u.body));
      expect(outcomes(u.key)).toEqual(['moved']);
    }
  });

  test('an unknown dataset is refused with the names there are', async () => {
    await expect(startLocal({ ...options, dataset: 'no_such_dataset' })).rejects.toThrow(
      new RegExp(`no push dataset is named "no_such_dataset". Known: .*${dataset}`),
    );
  });

  test('a port in use is refused clearly', async () => {
    const taken = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startLocal({ ...options, port })).rejects.toThrow(`port ${port} on 127.0.0.1 is taken`);
    } finally {
      taken.close();
    }
  });
});
