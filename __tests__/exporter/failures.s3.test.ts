import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { receiverStatements } from '../../naming';
import { Transfer } from '../../functions/exporter/transfer/transfer';
import { head } from '../../functions/exporter/event';
import { eventBridgeEvent } from './helpers/events';
import { DATASET, describeWithS3, Harness, MiB } from './helpers/harness';
import { ACCOUNTS, Buckets, bytesOf, clientFor, sha256 } from './helpers/local-s3';

/** What the `call`-th request of a command meets: an error, a call-back (`abort`), 400 ms of delay, or nothing. */
type Fault = (call: number) => Error | 'abort' | 'delay' | undefined;

/**
 * The exporter's real client with one fault injected before the SDK's own retries, on one command: the `call`-th
 * (1-based) request of that command fails as `fault` says.
 */
function faultyClient(h: Harness, command: string, fault: Fault, onAbort?: () => void): S3Client {
  const client = clientFor(h.s3, 'exporter');
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command) {
        const f = fault(++calls);
        if (f === 'abort') onAbort?.();
        else if (f === 'delay') await new Promise((r) => setTimeout(r, 400));
        else if (f) throw f;
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectFault' },
  );
  return client;
}

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(`injected ${name}`), { name, $metadata: { httpStatusCode: status } });

async function expectNothingDelivered(buckets: Buckets, key: string, versionId: string) {
  expect(await buckets.incompleteUploads()).toEqual([]);
  await expect(
    buckets.receiver.send(new HeadObjectCommand({ Bucket: buckets.receiverBucket, Key: key })),
  ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  expect(await buckets.versions('export', key)).toEqual([{ key, versionId, latest: true, marker: false }]);
}

describeWithS3('failures keep the source and leave nothing half-written', (h) => {
  test('a receiver without the bucket policy: the error names the principal and the exact statement, which works', async () => {
    const buckets = await new Buckets(h().s3).create({ policy: false });
    try {
      const harness = new Harness(h().s3, buckets);
      const key = 'proj/policy/needed.csv';
      const body = bytesOf(100);
      const uploaded = await buckets.upload(key, body);
      const run = await harness.run(eventBridgeEvent(buckets.exportBucket, uploaded));
      expect(run.logs.map((l) => l.outcome)).toEqual(['failed']);
      const message = run.error?.message ?? '';
      expect(message).toContain(`s3://${buckets.receiverBucket} refused ${h().s3.exporter.principal} (AccessDenied)`);
      expect(message).toContain('The source was kept; the event will be retried.');
      await expectNothingDelivered(buckets, key, uploaded.versionId);

      // The receiver adds exactly what the message says; the retry then delivers.
      const statements = message.split('\n').slice(1, 3).map((line) => JSON.parse(line));
      expect(statements).toEqual(
        receiverStatements({ bucket: buckets.receiverBucket, dataset: DATASET, principal: h().s3.exporter.principal }),
      );
      await buckets.allowExporter(statements);
      const retry = await harness.run(eventBridgeEvent(buckets.exportBucket, uploaded));
      expect(retry.logs.map((l) => l.outcome)).toEqual(['moved']);
      expect((await buckets.received(key)).sha256).toBe(sha256(body));
    } finally {
      await buckets.destroy();
    }
  });

  test.each([
    ['a non-retryable error on the third part', (n: number) => (n === 3 ? s3Error('InvalidRequest', 400) : undefined)],
    [
      'throttling that outlasts every retry on the second part',
      (n: number) => (n >= 2 ? s3Error('SlowDown', 503) : undefined),
    ],
    [
      'a connection reset on every try of part two',
      (n: number) => (n >= 2 ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) : undefined),
    ],
  ])('%s: the multipart upload is aborted, the source kept', async (_, fault) => {
    const { buckets } = h();
    const key = `proj/fail/${Math.random()}.bin`;
    const uploaded = await buckets.upload(key, bytesOf(21 * MiB));
    const client = faultyClient(h(), 'UploadPartCopyCommand', fault);
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), { PART_CONCURRENCY: '2' }, { client });
    client.destroy();
    expect(run.error?.message).toMatch(
      /failed while writing the target: .*The source was kept; the event will be retried\.$/s,
    );
    expect(run.logs.map((l) => l.outcome)).toEqual(['failed']);
    await expectNothingDelivered(buckets, key, uploaded.versionId);
  });

  test('one throttled part is retried and the file arrives whole', async () => {
    const { buckets } = h();
    const key = 'proj/fail/throttled-once.bin';
    const body = bytesOf(16 * MiB);
    const uploaded = await buckets.upload(key, body);
    const client = faultyClient(h(), 'UploadPartCopyCommand', (n) => (n === 2 ? s3Error('SlowDown', 503) : undefined));
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), {}, { client });
    client.destroy();
    expect(run.error).toBeUndefined();
    expect(run.logs.map((l) => [l.outcome, l.strategy, l.parts])).toEqual([['moved', 'multipart-copy', 4]]);
    expect((await buckets.received(key)).sha256).toBe(sha256(body));
  });

  test('a copy that does not verify is not deleted', async () => {
    const { buckets } = h();
    const key = 'proj/fail/unverified.csv';
    const uploaded = await buckets.upload(key, bytesOf(100));
    // As a truncated copy would: CopyObject answers another ETag, so the exporter asks HeadObject, which reports
    // one byte fewer.
    const client = clientFor(h().s3, 'exporter');
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const input = args.input as { Bucket?: string };
        if (input.Bucket !== buckets.receiverBucket) return out;
        const output = out.output as { ContentLength?: number; CopyObjectResult?: { ETag?: string } };
        if (context.commandName === 'CopyObjectCommand') output.CopyObjectResult!.ETag = `"${'0'.repeat(32)}"`;
        if (context.commandName === 'HeadObjectCommand' && output.ContentLength) output.ContentLength -= 1;
        return out;
      },
      { step: 'initialize', name: 'truncateTargetSize' },
    );
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), {}, { client });
    client.destroy();
    expect(run.error?.message).toContain('failed verification: the target has 99 bytes, the source 100');
    expect(await buckets.versions('export', key)).toEqual([
      { key, versionId: uploaded.versionId, latest: true, marker: false },
    ]);
  });

  test('Transfer.abort() mid-copy: done() rejects with AbortError and no upload is left', async () => {
    const { buckets } = h();
    const key = 'proj/fail/aborted.bin';
    const uploaded = await buckets.upload(key, bytesOf(26 * MiB));
    const exported = { bucket: buckets.exportBucket, key, owner: ACCOUNTS.platform };
    const source = (await head(buckets.exporter, exported, uploaded.versionId))!;
    let transfer: Transfer | undefined;
    const client = faultyClient(
      h(),
      'UploadPartCopyCommand',
      (n) => (n === 3 ? 'abort' : undefined),
      () => transfer?.abort('stopped by the test'),
    );
    transfer = new Transfer({
      client,
      source,
      sourceOwner: ACCOUNTS.platform,
      target: { bucket: buckets.receiverBucket, key, owner: ACCOUNTS.receiver },
      multipartThresholdBytes: 5 * MiB,
      partSizeBytes: 5 * MiB,
      partConcurrency: 2,
    });
    await expect(transfer.done()).rejects.toMatchObject({ name: 'AbortError', message: 'stopped by the test' });
    client.destroy();
    await expectNothingDelivered(buckets, key, uploaded.versionId);
  });

  test("near Lambda's time limit the transfer stops, aborts its upload and says why", async () => {
    const { buckets } = h();
    const key = 'proj/fail/deadline.bin';
    const uploaded = await buckets.upload(key, bytesOf(21 * MiB));
    // Each part takes at least 400 ms; with one part at a time the 1 s left runs out mid-copy.
    const client = faultyClient(h(), 'UploadPartCopyCommand', () => 'delay');
    const run = await h().run(
      eventBridgeEvent(buckets.exportBucket, uploaded),
      { PART_CONCURRENCY: '1' },
      {
        client,
        context: {
          getRemainingTimeInMillis: () => 1000,
          invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:export_proj-move',
        },
      },
    );
    client.destroy();
    expect(run.error?.message).toMatch(
      /before the function's time limit .* multipart upload this invocation began was aborted/,
    );
    await expectNothingDelivered(buckets, key, uploaded.versionId);
  });
});
