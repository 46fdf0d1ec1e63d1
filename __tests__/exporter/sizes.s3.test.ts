import type { S3Client } from '@aws-sdk/client-s3';
import { eventBridgeEvent } from './helpers/events';
import { describeWithS3, MiB, type Harness } from './helpers/harness';
import { bytesOf, clientFor, sha256 } from './helpers/local-s3';

/** Records the headers of every request the exporter sends, on the real client. */
interface Sent {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
}

function recordingClient(h: Harness): { client: S3Client; requests: Sent[] } {
  const client = clientFor(h.s3, 'exporter');
  const requests: Sent[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const r = args.request as Sent;
      requests.push({ method: r.method, path: r.path, query: { ...r.query }, headers: { ...r.headers } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return { client, requests };
}

const HEADERS = {
  ContentType: 'text/csv; charset=utf-8',
  ContentEncoding: 'identity',
  ContentDisposition: 'attachment; filename="outcomes 2026.csv"',
  ContentLanguage: 'en-GB',
  CacheControl: 'no-store',
  Metadata: { 'uploaded-by': 'alpha_user_jbloggs', purpose: 'dpia-2026-041' },
};

describe.each([['copy'], ['stream']])('sizes and headers (TRANSFER_MODE=%s)', (mode) => {
  describeWithS3(`${mode}: bytes and headers arrive unchanged whatever the size`, (h) => {
    const expected = (size: number): [string, number] =>
      mode === 'stream'
        ? ['stream', Math.max(1, Math.ceil(size / (5 * MiB)))]
        : size > 5 * MiB
        ? ['multipart-copy', Math.ceil(size / (5 * MiB))]
        : ['copy-object', 1];

    test.each([
      ['zero bytes', 0],
      ['one below the 5 MiB threshold', 5 * MiB - 1],
      ['exactly at the threshold', 5 * MiB],
      ['one above the threshold', 5 * MiB + 1],
      ['four parts, the last short', 17 * MiB + 3],
    ])('%s (%d bytes): same sha256, same headers, readable by the receiver', async (_, size) => {
      const { buckets } = h();
      const key = `proj/sizes/${size}.csv`;
      const body = bytesOf(size);
      const uploaded = await buckets.upload(key, body, HEADERS);
      const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), { TRANSFER_MODE: mode });
      expect(run.error).toBeUndefined();
      expect(run.logs).toHaveLength(1);
      expect([run.logs[0].strategy, run.logs[0].parts]).toEqual(expected(size));
      expect(run.logs[0]).toMatchObject({ outcome: 'moved', bytes: size, key, version: uploaded.versionId });

      const got = await buckets.received(key);
      expect(got.body.length).toBe(size);
      expect(got.sha256).toBe(sha256(body));
      expect({
        ContentType: got.out.ContentType,
        ContentEncoding: got.out.ContentEncoding,
        ContentDisposition: got.out.ContentDisposition,
        ContentLanguage: got.out.ContentLanguage,
        CacheControl: got.out.CacheControl,
        Metadata: got.out.Metadata,
      }).toEqual(HEADERS);
      expect(await buckets.versions('export', key)).toEqual([]);
    });

    test('every write to the receiver sends bucket-owner-full-control and no encryption header', async () => {
      const { buckets } = h();
      const key = 'proj/headers/two-parts.csv';
      const { client, requests } = recordingClient(h());
      const uploaded = await buckets.upload(key, bytesOf(6 * MiB));
      const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), { TRANSFER_MODE: mode }, { client });
      client.destroy();
      expect(run.error).toBeUndefined();
      const writes = requests.filter(
        (r) => r.path.startsWith(`/${buckets.receiverBucket}/`) && r.method !== 'HEAD' && r.method !== 'GET',
      );
      // PutObject, CopyObject and CreateMultipartUpload create the object; parts and completion belong to an upload.
      const creating = writes.filter((r) => (r.method === 'PUT' && !('partNumber' in r.query)) || 'uploads' in r.query);
      expect(creating).toHaveLength(1);
      expect(creating[0].headers['x-amz-acl']).toBe('bucket-owner-full-control');
      for (const w of writes)
        expect(Object.keys(w.headers).filter((k) => /server-side-encryption/i.test(k))).toEqual([]);
    });
  });
});

describeWithS3('requests per move', (h) => {
  /** The S3 operations the exporter sends, in order, each with the bucket it went to; `log` also has their ends. */
  function operations(): { client: S3Client; sent: string[]; log: string[] } {
    const client = clientFor(h().s3, 'exporter');
    const sent: string[] = [];
    const log: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const bucket = (args.input as { Bucket?: string }).Bucket;
        const { exportBucket, ledgerBucket } = h().buckets;
        const side = bucket === exportBucket ? 'export' : bucket === ledgerBucket ? 'ledger' : 'receiver';
        const name = `${(context.commandName ?? '?').replace(/Command$/, '')} ${side}`;
        sent.push(name);
        log.push(`start ${name}`);
        try {
          return await next(args);
        } finally {
          log.push(`end ${name}`);
        }
      },
      { step: 'initialize', name: 'recordOperations' },
    );
    return { client, sent, log };
  }

  test("a small new file takes seven requests (one the receipt): CopyObject's answer verifies the copy, no HeadObject after", async () => {
    const { buckets } = h();
    const body = bytesOf(1000);
    const uploaded = await buckets.upload('proj/requests/small.csv', body);
    const { client, sent, log } = operations();
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), {}, { client });
    client.destroy();
    expect(run.logs[0].outcome).toBe('moved');
    expect(sent).toEqual([
      'HeadObject export', // the event's version, still the newest
      'PutObject ledger', // the claim, holding the key's write: a new key's record is created, not read first
      'HeadObject receiver', // what the target holds, looked at under the claim
      'CopyObject receiver',
      'PutObject export', // the receipt, written before the delivery is recorded and the source deleted
      'PutObject ledger', // the delivery, recorded before the delete
      'DeleteObject export',
    ]);
    expect(log).toHaveLength(14);
    expect((await buckets.received(uploaded.key)).sha256).toBe(sha256(body));
  });

  test('a multipart copy whose completion carries no checksum (as here) is verified by HeadObject', async () => {
    const { buckets } = h();
    const uploaded = await buckets.upload('proj/requests/parts.csv', bytesOf(6 * MiB));
    const { client, sent } = operations();
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), {}, { client });
    client.destroy();
    expect(run.logs[0]).toMatchObject({ outcome: 'moved', strategy: 'multipart-copy', parts: 2 });
    expect(sent).toEqual([
      'HeadObject export',
      'PutObject ledger', // the claim
      'CreateMultipartUpload receiver',
      'PutObject ledger', // the upload is the claim's: nobody takes it for an orphan
      'UploadPartCopy receiver',
      'UploadPartCopy receiver',
      'PutObject ledger', // the key's write, taken only for the completion
      'HeadObject receiver', // what the target holds now
      'CompleteMultipartUpload receiver',
      'HeadObject receiver', // verification: RGW's completion carries no checksum
      'PutObject export', // the receipt
      'PutObject ledger', // the delivery
      'DeleteObject export',
      // Incomplete uploads a failure may have left at the key (none here) are looked for after every multipart write.
      'ListMultipartUploads receiver',
    ]);
  });
});
