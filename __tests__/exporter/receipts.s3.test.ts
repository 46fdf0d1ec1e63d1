import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../functions/exporter/config';
import { dayOf, RECEIPTS_ROOT } from '../../naming';
import { CreateOnly } from '../../scripts/soak/create-only';
import { FaultProxy, type ErrorReply, type FaultProxyOptions } from '../../scripts/soak/fault-proxy';
import { eventBridgeEvent } from './helpers/events';
import { DATASET, describeWithS3, Harness, MiB } from './helpers/harness';
import { ACCOUNTS, Buckets, bytesOf, PAPERWORK, sha256 } from './helpers/local-s3';
import { receiptsOf, type Stored } from './helpers/receipts';

/**
 * Receipts as the users and the audit table will read them (helpers/receipts.ts: each checked against the committed
 * JSON Schema and against the key naming/receipts.ts gives it). Requests go through the
 * fault proxy, which records the order of the requests (a receipt before the source's delete), can refuse receipt
 * writes, and answers a conditional create of a receipt that exists as AWS does (create-only.ts: RGW does not, in a
 * versioned bucket).
 */

/** One emulation for every proxy of this file: all receipt writes pass one of them. */
const createOnly = new CreateOnly((_, key) => key.startsWith(RECEIPTS_ROOT));

/** A proxy to the local server that emulates S3's create-only writes for receipts, with `options` added. */
function receiptProxy(upstream: string, options: Partial<FaultProxyOptions> = {}): FaultProxy {
  return new FaultProxy({
    upstream,
    seed: 1,
    rates: {},
    ...options,
    onWrite: (w) => createOnly.observe(w),
    answerInstead: (r) => options.answerInstead?.(r) ?? createOnly.refusal(r),
  });
}

const outcomes = (stored: Stored[]) => stored.map((s) => s.receipt.outcome).sort();

describeWithS3('receipts', (h) => {
  /** Every request that reached S3, in order. */
  const requests: string[] = [];
  let refuse: ((key: string) => ErrorReply | undefined) | undefined;
  let proxy: FaultProxy;
  let client: S3Client;

  beforeAll(async () => {
    proxy = receiptProxy(h().s3.endpoint, {
      beforeForward: (r) => void requests.push(`${r.method} ${r.key}`),
      answerInstead: (r) => (r.method === 'PUT' ? refuse?.(r.key) : undefined),
    });
    const endpoint = await proxy.start();
    const { accessKeyId, secretAccessKey } = h().s3.exporter;
    client = createS3Client({ endpoint }, { region: h().s3.region, credentials: { accessKeyId, secretAccessKey } });
  });
  afterAll(async () => {
    client.destroy();
    await proxy.stop();
  });
  beforeEach(() => {
    requests.length = 0;
    refuse = undefined;
  });

  /** One export attempt, as Lambda would run it, with a request ID the receipt must carry. */
  const run = (harness: Harness, event: unknown, requestId: string, env: Record<string, string> = {}) =>
    harness.run(event, env, { client, context: { awsRequestId: requestId } });

  test('a move: one receipt, written after the copy and before the delete, saying what was sent where and how', async () => {
    const buckets = await new Buckets(h().s3).create({ receiverVersioned: true });
    try {
      const harness = new Harness(h().s3, buckets);
      const key = `${DATASET}/reports/march 2026.csv`;
      const uploaded = await buckets.upload(key, bytesOf(1000));
      const moved = await run(harness, eventBridgeEvent(buckets.exportBucket, uploaded), 'req-move-1');
      expect(moved.logs.map((l) => l.outcome)).toEqual(['moved']);
      const [only, ...others] = await receiptsOf(buckets);
      expect(others).toEqual([]);
      const received = await buckets.received(key);
      expect(only.receipt).toMatchObject({
        dataset: DATASET,
        outcome: 'moved',
        bucket: buckets.exportBucket,
        key,
        version: uploaded.versionId,
        sequencer: uploaded.sequencer,
        bytes: 1000,
        target_bucket: buckets.receiverBucket,
        target_account: ACCOUNTS.receiver,
        target_key: key,
        target_etag: received.out.ETag!.replace(/"/g, ''),
        strategy: 'copy-object',
        parts: 1,
        error: null,
        paperwork: PAPERWORK,
        request_id: 'req-move-1',
      });
      // AWS answers CopyObject with the new version's ID (x-amz-version-id); RGW 16.2 does not, so none is known here.
      expect([received.out.VersionId, null]).toContain(only.receipt.target_version);
      // Proven by S3's answer to the copy or by a HeadObject: RGW gives the MD5 ETag, and no checksum to compare.
      expect(['etag', 'checksum']).toContain(only.receipt.verified_by);
      expect(only.receipt.day).toBe(dayOf(new Date(only.receipt.uploaded_at!)));
      expect(Date.parse(only.receipt.ended_at)).toBeGreaterThanOrEqual(Date.parse(only.receipt.started_at));
      // The file name in the listing a user reads: the path after the dataset, encoded, then the upload's sequencer.
      expect(only.key).toBe(
        `export-receipts/${DATASET}/${only.receipt.day}/reports%2Fmarch%202026.csv@${uploaded.sequencer}.json`,
      );
      const copied = requests.indexOf(`PUT ${key}`);
      const receipted = requests.indexOf(`PUT ${only.key}`);
      const deleted = requests.indexOf(`DELETE ${key}`);
      expect([copied, receipted, deleted].every((i) => i >= 0)).toBe(true);
      expect(copied).toBeLessThan(receipted);
      expect(receipted).toBeLessThan(deleted);
    } finally {
      await buckets.destroy();
    }
  });

  test('a multipart move: the receipt names the strategy and the parts', async () => {
    const { buckets } = h();
    const key = `${DATASET}/big/parts.bin`;
    const uploaded = await buckets.upload(key, bytesOf(11 * MiB));
    expect(
      (await run(h(), eventBridgeEvent(buckets.exportBucket, uploaded), 'req-mp')).logs.map((l) => l.outcome),
    ).toEqual(['moved']);
    const mine = (await receiptsOf(buckets)).filter((s) => s.receipt.key === key);
    expect(mine.map((s) => [s.receipt.outcome, s.receipt.strategy, s.receipt.parts, s.receipt.bytes])).toEqual([
      ['moved', 'multipart-copy', 3, 11 * MiB],
    ]);
  });

  test('keep_files: copied, and a repeated event (already there) leaves the one receipt it has', async () => {
    const { buckets } = h();
    const key = `${DATASET}/kept/daily.csv`;
    const event = eventBridgeEvent(buckets.exportBucket, await buckets.upload(key, bytesOf(300)));
    const env = { KEEP_FILES: 'true' };
    expect((await run(h(), event, 'req-keep-1', env)).logs.map((l) => l.outcome)).toEqual(['copied']);
    expect((await run(h(), event, 'req-keep-2', env)).logs.map((l) => l.outcome)).toEqual(['already_there']);
    const mine = (await receiptsOf(buckets)).filter((s) => s.receipt.key === key);
    expect(mine.map((s) => [s.receipt.outcome, s.receipt.request_id])).toEqual([['copied', 'req-keep-1']]);
  });

  test('already there: the receiver held the same bytes, so nothing was copied, and the receipt says so', async () => {
    const { buckets } = h();
    const key = `${DATASET}/same/bytes.csv`;
    const body = bytesOf(200);
    await buckets.receiver.send(new PutObjectCommand({ Bucket: buckets.receiverBucket, Key: key, Body: body }));
    const uploaded = await buckets.upload(key, body);
    const run1 = await run(h(), eventBridgeEvent(buckets.exportBucket, uploaded), 'req-same');
    expect(run1.logs.map((l) => l.outcome)).toEqual(['already_there']);
    const mine = (await receiptsOf(buckets)).filter((s) => s.receipt.key === key);
    expect(mine.map((s) => [s.receipt.outcome, s.receipt.strategy, s.receipt.verified_by])).toEqual([
      ['already_there', 'copy-object', 'etag'],
    ]);
    expect((await buckets.versions('export', key)).filter((v) => !v.marker)).toEqual([]);
  });

  test('superseded, then the newer upload moved: a receipt for each version, the older one saying why', async () => {
    const { buckets } = h();
    const key = `${DATASET}/twice/report.csv`;
    const older = await buckets.upload(key, bytesOf(10));
    const newer = await buckets.upload(key, bytesOf(20));
    const first = await run(h(), eventBridgeEvent(buckets.exportBucket, older), 'req-old');
    expect(first.logs.map((l) => l.outcome)).toEqual(['superseded']);
    expect(
      (await run(h(), eventBridgeEvent(buckets.exportBucket, newer), 'req-new')).logs.map((l) => l.outcome),
    ).toEqual(['moved']);
    const mine = (await receiptsOf(buckets)).filter((s) => s.receipt.key === key);
    expect(mine.map((s) => [s.receipt.version, s.receipt.outcome, s.receipt.error]).sort()).toEqual(
      [
        [older.versionId, 'superseded', first.logs[0].error],
        [newer.versionId, 'moved', null],
      ].sort(),
    );
    expect(first.logs[0].error).toMatch(/replaced by a newer upload/);
  });

  test('refused: a key outside the dataset prefix gets a receipt of the refusal, and nothing is copied', async () => {
    const { buckets } = h();
    const uploaded = await buckets.upload('elsewhere/stray.csv', bytesOf(10));
    const refused = await run(h(), eventBridgeEvent(buckets.exportBucket, uploaded), 'req-stray');
    expect(refused.logs.map((l) => l.outcome)).toEqual(['refused']);
    const mine = (await receiptsOf(buckets)).filter((s) => s.receipt.key === uploaded.key);
    expect(mine.map((s) => [s.receipt.outcome, s.receipt.error, s.key.includes('elsewhere%2Fstray.csv@')])).toEqual([
      ['refused', refused.logs[0].error, true],
    ]);
  });

  test('a failed attempt: a receipt with the reason in the words of the log line, and the source kept', async () => {
    const buckets = await new Buckets(h().s3).create({ policy: false });
    try {
      const key = `${DATASET}/denied/file.csv`;
      const uploaded = await buckets.upload(key, bytesOf(10));
      const failed = await run(new Harness(h().s3, buckets), eventBridgeEvent(buckets.exportBucket, uploaded), 'req-x');
      expect(failed.error).toBeDefined();
      expect(failed.logs.map((l) => l.outcome)).toEqual(['failed']);
      const [only, ...others] = await receiptsOf(buckets);
      expect(others).toEqual([]);
      expect(only.receipt).toMatchObject({ outcome: 'failed', error: failed.logs[0].error, request_id: 'req-x' });
      expect(only.key.endsWith(`@${uploaded.sequencer}.failed-req-x.json`)).toBe(true);
      expect(await buckets.versions('export', key)).toHaveLength(1);
    } finally {
      await buckets.destroy();
    }
  });

  test('a receipt that cannot be written fails the attempt and keeps the source; the retry completes it with one receipt', async () => {
    const buckets = await new Buckets(h().s3).create();
    try {
      const harness = new Harness(h().s3, buckets);
      const key = `${DATASET}/unreceipted/file.csv`;
      const body = bytesOf(500);
      const event = eventBridgeEvent(buckets.exportBucket, await buckets.upload(key, body));
      const denied = { status: 403, code: 'AccessDenied', message: 'Access Denied' };
      refuse = (k) => (k.startsWith(RECEIPTS_ROOT) ? denied : undefined);
      const first = await run(harness, event, 'req-r1');
      expect(first.logs.map((l) => l.outcome)).toEqual(['failed']);
      expect(first.error?.message).toMatch(/while writing its receipt: .* may not write its receipt \(AccessDenied\)/);
      expect(first.error?.message).toMatch(/the source was not deleted/);
      expect(await receiptsOf(buckets)).toEqual([]);
      expect(await buckets.versions('export', key)).toHaveLength(1);
      refuse = undefined;
      const retry = await run(harness, event, 'req-r2');
      expect(retry.error).toBeUndefined();
      const stored = await receiptsOf(buckets);
      expect(stored.map((s) => [s.receipt.outcome, s.receipt.request_id])).toEqual([['already_there', 'req-r2']]);
      expect(await buckets.versions('export', key)).toEqual([]);
      expect((await buckets.received(key)).sha256).toBe(sha256(body));
    } finally {
      await buckets.destroy();
    }
  });

  test('a delete that fails after the receipt: the retry finishes the move and writes no second receipt', async () => {
    const buckets = await new Buckets(h().s3).create();
    try {
      const harness = new Harness(h().s3, buckets);
      const key = `${DATASET}/undeleted/file.csv`;
      const event = eventBridgeEvent(buckets.exportBucket, await buckets.upload(key, bytesOf(500)));
      refuse = undefined;
      const denied = { status: 403, code: 'AccessDenied', message: 'Access Denied' };
      const deletes = receiptProxy(h().s3.endpoint, {
        answerInstead: (r) => (r.method === 'DELETE' && r.key === key ? denied : undefined),
      });
      const endpoint = await deletes.start();
      try {
        const first = await harness.run(
          event,
          { AWS_ENDPOINT_URL_S3: endpoint },
          { context: { awsRequestId: 'req-d1' } },
        );
        expect(first.logs.map((l) => l.outcome)).toEqual(['failed']);
      } finally {
        await deletes.stop();
      }
      const retry = await run(harness, event, 'req-d2');
      expect(retry.logs.map((l) => l.outcome)).toEqual(['already_there']);
      expect(outcomes(await receiptsOf(buckets))).toEqual(['failed', 'moved']);
      expect(await buckets.versions('export', key)).toEqual([]);
    } finally {
      await buckets.destroy();
    }
  });
});
