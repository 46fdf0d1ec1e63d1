import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { IncomingHttpHeaders } from 'node:http';
import { TARGET_ACL } from '../../functions/exporter/transfer/requests';
import { operationOf, ownerProblems } from '../../scripts/soak/expected-owner';
import type { ProxiedRequest } from '../../scripts/soak/fault-proxy';
import { eventBridgeEvent } from './helpers/events';
import { describeWithS3, MiB, type Harness } from './helpers/harness';
import { invocation, handoverOf, runIn, SIZE } from './helpers/invocations';
import { ACCOUNTS, bytesOf, clientFor } from './helpers/local-s3';
import { ACCESS_DENIED, OwnerProxy } from './helpers/owner-proxy';

const OWNER = 'x-amz-expected-bucket-owner';
const SOURCE_OWNER = 'x-amz-source-expected-bucket-owner';

/** The request as it would have been sent without one header: what a broken exporter sends. */
const without = (req: ProxiedRequest, name: string): ProxiedRequest => {
  const headers: IncomingHttpHeaders = { ...req.headers };
  delete headers[name];
  return { ...req, headers };
};

/**
 * Every path of an export, through the proxy: small and multipart copies and streams, a key exported again (the ledger
 * read), a transfer whose completion is refused (it aborts its upload), copy and stream hand-overs (handover written,
 * read and deleted). Fills `kinds` with each path's requests.
 */
async function recordEveryPath(h: () => Harness, wire: OwnerProxy, kinds: Record<string, string[]>): Promise<void> {
  const { buckets } = h();
  const via = wire.harness();
  const scenario = async (name: string, work: () => Promise<void>) => {
    const from = wire.seen.length;
    await work();
    kinds[name] = wire.kinds(from);
  };
  const move = async (key: string, size: number, env: Record<string, string> = {}) =>
    via.run(eventBridgeEvent(buckets.exportBucket, await buckets.upload(key, bytesOf(size))), env);
  const moved = async (key: string, size: number, env: Record<string, string> = {}) => {
    const r = await move(key, size, env);
    expect([r.error?.message, r.logs.map((l) => l.outcome)]).toEqual([undefined, ['moved']]);
  };
  const STREAM = { TRANSFER_MODE: 'stream' };

  await scenario('small copy', () => moved('proj/owner/small.csv', 100));
  await scenario('the same key again', () => moved('proj/owner/small.csv', 120));
  await scenario('multipart copy', () => moved('proj/owner/multipart.bin', 11 * MiB));
  await scenario('small stream', () => moved('proj/owner/small-stream.csv', 100, STREAM));
  await scenario('multipart stream', () => moved('proj/owner/multipart-stream.bin', 11 * MiB, STREAM));
  await scenario('a failed transfer aborting its upload', async () => {
    wire.answer = (req) => (operationOf(req) === 'CompleteMultipartUpload' ? ACCESS_DENIED : undefined);
    const r = await move('proj/owner/refused.bin', 11 * MiB);
    wire.answer = () => undefined;
    expect(r.logs.map((l) => l.outcome)).toEqual(['failed']);
    expect(await buckets.incompleteUploads()).toEqual([]);
  });
  for (const [name, env] of [['hand-over, copy', {}], ['hand-over, stream', STREAM]] as const) {
    await scenario(name, async () => {
      const uploaded = await buckets.upload(`proj/owner/${name.replace(/\W+/g, '-')}.bin`, bytesOf(SIZE));
      const first = await runIn(via, eventBridgeEvent(buckets.exportBucket, uploaded), invocation(via, 2), env);
      expect(first.logs.map((l) => l.outcome)).toEqual(['handed_over']);
      const next = await runIn(via, (await handoverOf(h(), uploaded)).event, invocation(via), env);
      expect(next.logs.map((l) => l.outcome)).toEqual(['moved']);
    });
  }
}

/**
 * Issue 12: every request the exporter sends names the account its bucket must belong to (docs/exporter.md, "The
 * bucket owner, pinned"). Recorded on the wire, through the fault proxy with no faults.
 */
describeWithS3('the bucket owner, pinned on every request', (h) => {
  const wire = new OwnerProxy(h);
  beforeAll(() => wire.start());
  afterAll(() => wire.stop());
  beforeEach(() => wire.reset());

  test('RGW 16.2 ignores x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner (a wrong owner is served)', async () => {
    const { buckets } = h();
    const client = clientFor(wire.harness().s3, 'exporter');
    const key = 'proj/owner/rgw-probe.txt';
    await buckets.upload(key, Buffer.from('hello'));
    const wrong = { ExpectedBucketOwner: '999999999999' };
    // The exporter user's own buckets, and the receiver user's bucket whose policy lets the exporter write.
    await client.send(new HeadObjectCommand({ Bucket: buckets.exportBucket, Key: key, ...wrong }));
    await client.send(new PutObjectCommand({ Bucket: buckets.ledgerBucket, Key: key, Body: 'x', ...wrong }));
    const copied = await client.send(
      new CopyObjectCommand({
        Bucket: buckets.receiverBucket,
        Key: key,
        CopySource: `${buckets.exportBucket}/${key}`,
        ACL: TARGET_ACL,
        ...wrong,
        ExpectedSourceBucketOwner: '888888888888',
      }),
    );
    expect(copied.$metadata.httpStatusCode).toBe(200);
    const landed = await client.send(new HeadObjectCommand({ Bucket: buckets.receiverBucket, Key: key, ...wrong }));
    expect(landed.ContentLength).toBe(5);
    // The headers did reach the server: it read them and let every request through.
    expect(wire.kinds()).toEqual(['HeadObject export', 'PutObject ledger', 'CopyObject target', 'HeadObject target']);
    expect(wire.seen.map((r) => r.headers[OWNER])).toEqual(Array(4).fill('999999999999'));
    expect(wire.seen[2].headers[SOURCE_OWNER]).toBe('888888888888');
    await buckets.receiver.send(new DeleteObjectCommand({ Bucket: buckets.receiverBucket, Key: key }));
    await buckets.exporter.send(new DeleteObjectCommand({ Bucket: buckets.ledgerBucket, Key: key }));
  });

  describe('recorded on the wire for every path of an export', () => {
    /** The requests of each path, as `<operation> <export|ledger|target>`; all requests, as the proxy saw them. */
    const kinds: Record<string, string[]> = {};
    const recorded: ProxiedRequest[] = [];
    beforeAll(async () => {
      wire.reset();
      await recordEveryPath(h, wire, kinds);
      recorded.push(...wire.seen);
    });

    test('a small copy: the seven requests of a move', () => {
      expect(kinds['small copy']).toEqual([
        'HeadObject export', // the source: which reading of the key, still current?
        'PutObject ledger', // the claim
        'HeadObject target', // the write guard's look at the target
        'CopyObject target',
        'PutObject export', // the receipt
        'PutObject ledger', // the delivery
        'DeleteObject export',
      ]);
      expect(kinds['the same key again']).toEqual(expect.arrayContaining(['GetObject ledger', 'CopyObject target']));
    });

    test('copies, streams, a refused completion and hand-overs each sent the requests they stand for', () => {
      const has = (name: string, expected: string[]) => expect(kinds[name]).toEqual(expect.arrayContaining(expected));
      has('multipart copy', [
        'CreateMultipartUpload target',
        'UploadPartCopy target',
        'CompleteMultipartUpload target',
        'HeadObject target', // verification (RGW has no checksums to prove the copy by its answer)
        'ListMultipartUploads target', // the orphan-upload sweep
      ]);
      has('small stream', ['GetObject export', 'PutObject target']);
      has('multipart stream', ['CreateMultipartUpload target', 'UploadPart target', 'CompleteMultipartUpload target']);
      has('a failed transfer aborting its upload', ['AbortMultipartUpload target', 'ListMultipartUploads target']);
      // The handover written, read and deleted in the export bucket.
      has('hand-over, copy', ['PutObject export', 'GetObject export', 'DeleteObject export']);
      has('hand-over, stream', ['PutObject export', 'GetObject export', 'DeleteObject export', 'UploadPart target']);
      // The continued stream reads the parts still missing by range.
      expect(recorded.filter((r) => operationOf(r) === 'GetObject' && r.headers.range !== undefined)).not.toEqual([]);
    });

    test('every request names its bucket owner: target, export bucket and ledger; copies the source owner too', () => {
      expect(recorded.flatMap((r) => ownerProblems(wire.accounts(), r))).toEqual([]);
      const copies = recorded.filter((r) => ['CopyObject', 'UploadPartCopy'].includes(operationOf(r)));
      expect(copies.length).toBeGreaterThan(5);
      expect(new Set(copies.map((r) => r.headers[SOURCE_OWNER]))).toEqual(new Set([ACCOUNTS.platform]));
    });

    test('the check reports a request that does not name its bucket owner, or names another', () => {
      expect(recorded.length).toBeGreaterThan(50);
      const accounts = wire.accounts();
      const byOperation = new Map(recorded.map((r) => [operationOf(r), r]));
      expect(byOperation.size).toBeGreaterThanOrEqual(11);
      for (const [operation, req] of byOperation) {
        expect(ownerProblems(accounts, req)).toEqual([]);
        const [missing] = ownerProblems(accounts, without(req, OWNER));
        expect(missing).toMatch(new RegExp(`^${operation} s3://\\S+: ${OWNER} is missing, expected \\d{12}$`));
        const elsewhere = { ...req, headers: { ...req.headers, [OWNER]: '999999999999' } };
        expect(ownerProblems(accounts, elsewhere)).toEqual([expect.stringContaining(`${OWNER} is 999999999999, expected`)]);
      }
      const copy = byOperation.get('UploadPartCopy')!;
      expect(ownerProblems(accounts, without(copy, SOURCE_OWNER))).toEqual([
        expect.stringMatching(new RegExp(`^UploadPartCopy s3://\\S+: ${SOURCE_OWNER} is missing, expected ${ACCOUNTS.platform}$`)),
      ]);
    });
  });

  test('a broken exporter whose CopyObject names no owners is caught on the wire', async () => {
    const { buckets } = h();
    const via = wire.harness();
    const client = clientFor(via.s3, 'exporter');
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CopyObjectCommand') {
          const input = args.input as { ExpectedBucketOwner?: string; ExpectedSourceBucketOwner?: string };
          delete input.ExpectedBucketOwner;
          delete input.ExpectedSourceBucketOwner;
        }
        return next(args);
      },
      { step: 'initialize', name: 'unpinCopies' },
    );
    const uploaded = await buckets.upload('proj/owner/broken.csv', bytesOf(10));
    const r = await via.run(eventBridgeEvent(buckets.exportBucket, uploaded), {}, { client });
    client.destroy();
    // RGW does not mind (see above), so only the check can tell.
    expect(r.logs.map((l) => l.outcome)).toEqual(['moved']);
    const problems = wire.seen.flatMap((req) => ownerProblems(wire.accounts(), req));
    expect(problems).toEqual([
      `CopyObject s3://${buckets.receiverBucket}/proj/owner/broken.csv: ${OWNER} is missing, expected ${ACCOUNTS.receiver}`,
      `CopyObject s3://${buckets.receiverBucket}/proj/owner/broken.csv: ${SOURCE_OWNER} is missing, expected ${ACCOUNTS.platform}`,
    ]);
  });
});
