import { GetObjectCommand } from '@aws-sdk/client-s3';
import { eventBridgeEvent } from './helpers/events';
import { DATASET, describeWithS3 } from './helpers/harness';
import { denyParts, invocation, handoverOf, runIn, SIZE, type Invocation } from './helpers/invocations';
import { bytesOf, sha256 } from './helpers/local-s3';

const STREAM = { TRANSFER_MODE: 'stream' };

/** Ranged GetObjects the exporter sends in that invocation (a continuation reads each missing part on its own). */
function ranges(i: Invocation): string[] {
  const seen: string[] = [];
  i.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Range?: string };
      if (context.commandName === 'GetObjectCommand' && input.Range) seen.push(input.Range);
      return next(args);
    },
    { step: 'initialize', name: 'recordRanges' },
  );
  return seen;
}

/** Streams (`transfer: stream`) too long for one invocation; see helpers/invocations.ts for the stand-in clock. */
describeWithS3('a stream longer than one invocation', (h) => {
  const handover = (source: { key: string; versionId: string }) => handoverOf(h(), source);
  const run = (event: unknown, i: Invocation, overrides: Record<string, string> = {}) =>
    runIn(h(), event, i, { ...STREAM, ...overrides });

  test('hands over with the parts that are in; the next invocations stream only the missing ones', async () => {
    const { buckets } = h();
    const body = bytesOf(SIZE);
    const uploaded = await buckets.upload(`${DATASET}/large/streamed.bin`, body, { ContentType: 'text/csv' });

    const first = invocation(h(), 2);
    const r1 = await run(eventBridgeEvent(buckets.exportBucket, uploaded), first);
    expect(r1.error).toBeUndefined();
    expect(r1.logs).toMatchObject([{ outcome: 'handed_over', strategy: 'stream', parts: 2, key: uploaded.key }]);
    expect(await buckets.incompleteUploads()).toEqual([uploaded.key]);
    const p1 = await handover(uploaded);
    const saved = JSON.parse(
      await (
        await buckets.exporter.send(
          new GetObjectCommand({ Bucket: buckets.exportBucket, Key: p1.versions[0].key }),
        )
      ).Body!.transformToString(),
    );
    expect(saved).toMatchObject({ strategy: 'stream', partSize: 5 * 1024 * 1024 });
    expect(saved.completed.map((c: { PartNumber: number }) => c.PartNumber)).toEqual([1, 2]);

    const second = invocation(h(), 2);
    const read2 = ranges(second);
    const r2 = await run(p1.event, second);
    expect(r2.logs).toMatchObject([{ outcome: 'handed_over', strategy: 'stream', parts: 4 }]);
    expect(read2).toEqual(['bytes=10485760-15728639', 'bytes=15728640-20971519']);

    const third = invocation(h());
    const r3 = await run((await handover(uploaded)).event, third);
    expect(r3.error).toBeUndefined();
    expect(r3.logs).toMatchObject([
      { outcome: 'moved', strategy: 'stream', parts: 6, key: uploaded.key, version: uploaded.versionId },
    ]);

    // Each part was uploaded once, by one invocation or another.
    expect([...first.parts, ...second.parts, ...third.parts]).toEqual([1, 2, 3, 4, 5, 6]);
    const got = await buckets.received(uploaded.key);
    expect(got.sha256).toBe(sha256(body));
    expect(got.out.ContentType).toBe('text/csv');
    expect(await buckets.versions('export', uploaded.key)).toEqual([]);
    expect((await handover(uploaded)).versions).toEqual([]);
    expect(await buckets.incompleteUploads()).toEqual([]);
  });

  test('a failing continuation keeps the upload and the handover; its retry finishes the stream', async () => {
    const { buckets } = h();
    const body = bytesOf(SIZE);
    const uploaded = await buckets.upload(`${DATASET}/large/stream-retried.bin`, body);
    await run(eventBridgeEvent(buckets.exportBucket, uploaded), invocation(h(), 3));
    const { event } = await handover(uploaded);

    const failing = invocation(h());
    denyParts(failing, 'UploadPartCommand');
    const failed = await run(event, failing);
    expect(failed.error?.message).toMatch(/handover \(3 of 6 parts\) were kept: the retry continues from there/);
    expect(await buckets.incompleteUploads()).toEqual([uploaded.key]);

    const retry = invocation(h());
    const r = await run(event, retry);
    expect(r.logs).toMatchObject([{ outcome: 'moved', strategy: 'stream', parts: 6 }]);
    expect(retry.parts).toEqual([4, 5, 6]);
    expect((await buckets.received(uploaded.key)).sha256).toBe(sha256(body));
    expect(await buckets.incompleteUploads()).toEqual([]);
  });

  test('a stream that fails in its first invocation leaves no upload behind and keeps the source', async () => {
    const { buckets } = h();
    const uploaded = await buckets.upload(`${DATASET}/large/stream-failed.bin`, bytesOf(SIZE));
    const i = invocation(h());
    denyParts(i, 'UploadPartCommand', () => i.parts.length === 3);
    const r = await run(eventBridgeEvent(buckets.exportBucket, uploaded), i);
    expect(r.logs).toMatchObject([{ outcome: 'failed' }]);
    expect(await buckets.incompleteUploads()).toEqual([]);
    expect((await handover(uploaded)).versions).toEqual([]);
    expect(await buckets.versions('export', uploaded.key)).toHaveLength(1);
  });
});
