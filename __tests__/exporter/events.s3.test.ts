import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { eventBridgeEvent, s3RecordsEvent } from './helpers/events';
import { Harness, describeWithS3, MiB } from './helpers/harness';
import { Buckets, bytesOf, sha256 } from './helpers/local-s3';

/** S3's Last-Modified has one-second resolution: order two writes the exporter must tell apart by time. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1100));

describeWithS3('repeated, late and stale events', (h) => {
  test('a duplicate event after a completed move succeeds without error and changes nothing', async () => {
    const { buckets } = h();
    const key = 'proj/dup/after.csv';
    const body = bytesOf(100);
    const event = s3RecordsEvent(buckets.exportBucket, await buckets.upload(key, body));
    expect((await h().run(event)).logs.map((l) => l.outcome)).toEqual(['moved']);
    const again = await h().run(event);
    expect(again.error).toBeUndefined();
    expect(again.logs.map((l) => l.outcome)).toEqual(['already_moved']);
    expect((await buckets.received(key)).sha256).toBe(sha256(body));
  });

  test.each([
    ['small', 100],
    ['multipart', 11 * MiB],
  ])('keep_files (%s): the source stays; a repeated event does not copy again (the ledger knows it)', async (_, size) => {
    // A versioned receiving bucket shows every write the exporter makes.
    const buckets = await new Buckets(h().s3).create({ receiverVersioned: true });
    try {
      const harness = new Harness(h().s3, buckets);
      const key = `proj/keep/${size}.csv`;
      const body = bytesOf(size);
      const uploaded = await buckets.upload(key, body);
      const event = eventBridgeEvent(buckets.exportBucket, uploaded);
      expect((await harness.run(event, { KEEP_FILES: 'true' })).logs.map((l) => l.outcome)).toEqual(['copied']);
      const again = await harness.run(event, { KEEP_FILES: 'true' });
      expect(again.error).toBeUndefined();
      // Even a multipart copy, which a server without checksums (RGW) cannot prove the same, is not copied again:
      // the ledger recorded the delivery of this very upload.
      expect(again.logs.map((l) => l.outcome)).toEqual(['already_there']);
      expect(await buckets.versions('receiver', key)).toHaveLength(1);
      expect(await buckets.versions('export', key)).toEqual([
        { key, versionId: uploaded.versionId, latest: true, marker: false },
      ]);
      expect((await buckets.received(key)).sha256).toBe(sha256(body));
    } finally {
      await buckets.destroy();
    }
  });

  test('an event for an object deleted before export: nothing is delivered, no error', async () => {
    const { buckets } = h();
    const deleted = await buckets.upload('proj/deleted/by-user.csv', bytesOf(10));
    // A user's delete in a versioned bucket leaves the version under a delete marker.
    await buckets.exporter.send(new DeleteObjectCommand({ Bucket: buckets.exportBucket, Key: deleted.key }));
    const purged = await buckets.upload('proj/deleted/purged.csv', bytesOf(10));
    await buckets.exporter.send(
      new DeleteObjectCommand({ Bucket: buckets.exportBucket, Key: purged.key, VersionId: purged.versionId }),
    );
    const run = await h().run({
      Records: [
        ...s3RecordsEvent(buckets.exportBucket, deleted).Records,
        ...s3RecordsEvent(buckets.exportBucket, purged).Records,
      ],
    });
    expect(run.error).toBeUndefined();
    expect(run.logs.map((l) => [l.key, l.outcome])).toEqual([
      [deleted.key, 'superseded'],
      [purged.key, 'already_moved'],
    ]);
    for (const key of [deleted.key, purged.key]) {
      await expect(buckets.received(key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    }
  });

  test('an event whose size disagrees with its version is an error: nothing is copied or deleted', async () => {
    const { buckets } = h();
    const uploaded = await buckets.upload('proj/mismatch/file.csv', bytesOf(13));
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, { ...uploaded, size: 15 }));
    expect(run.error?.message).toMatch(/has 13 bytes but the event says 15: .*nothing was copied or deleted/);
    expect(await buckets.versions('export', uploaded.key)).toHaveLength(1);
    await expect(buckets.received(uploaded.key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  test('overwritten between event and copy: the old version is not delivered, and waits for the newer one', async () => {
    const { buckets } = h();
    const key = 'proj/overwritten/daily.csv';
    const v1 = await buckets.upload(key, bytesOf(10));
    const v2body = bytesOf(20);
    const v2 = await buckets.upload(key, v2body);
    const stale = await h().run(eventBridgeEvent(buckets.exportBucket, v1));
    expect(stale.error).toBeUndefined();
    expect(stale.logs.map((l) => [l.outcome, l.error])).toEqual([
      ['superseded', 'replaced by a newer upload before it was exported; deleted once a newer upload is delivered'],
    ]);
    // Not deleted yet: nothing newer has reached the receiver, so v1 is all there is of the file there.
    expect((await buckets.versions('export', key)).map((v) => v.versionId).sort()).toEqual(
      [v1.versionId, v2.versionId].sort(),
    );
    await expect(buckets.received(key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });

    expect((await h().run(eventBridgeEvent(buckets.exportBucket, v2))).logs.map((l) => l.outcome)).toEqual(['moved']);
    expect((await buckets.received(key)).sha256).toBe(sha256(v2body));
    expect(await buckets.versions('export', key)).toEqual([]);
  });

  test('a late event for an older upload after the newer one was moved: not delivered, deleted, no error', async () => {
    const { buckets } = h();
    const key = 'proj/late/daily.csv';
    const v1 = await buckets.upload(key, bytesOf(10));
    const v2body = bytesOf(20);
    const v2 = await buckets.upload(key, v2body);
    expect((await h().run(eventBridgeEvent(buckets.exportBucket, v2))).logs.map((l) => l.outcome)).toEqual(['moved']);
    // Deleting v2 made v1 the newest version again; its event comes now, within the same second.
    const late = await h().run(eventBridgeEvent(buckets.exportBucket, v1));
    expect(late.error).toBeUndefined();
    expect(late.logs.map((l) => [l.outcome, l.error])).toEqual([['superseded', 'a newer upload was delivered first']]);
    expect((await buckets.received(key)).sha256).toBe(sha256(v2body));
    expect(await buckets.versions('export', key)).toEqual([]);
  });

  test("the receiver's own newer write is not overwritten: TargetIsNewer, the source kept", async () => {
    const { buckets } = h();
    const key = 'proj/theirs/daily.csv';
    const uploaded = await buckets.upload(key, bytesOf(10));
    await nextSecond();
    const theirs = bytesOf(30);
    await buckets.receiver.send(new PutObjectCommand({ Bucket: buckets.receiverBucket, Key: key, Body: theirs }));
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded));
    expect(run.error?.message).toMatch(/holds different bytes written .* after this version was uploaded .*, and not by this exporter/);
    expect(run.error?.message).toMatch(/not overwritten and the source was kept/);
    expect((await buckets.received(key)).sha256).toBe(sha256(theirs));
    expect(await buckets.versions('export', key)).toEqual([
      { key, versionId: uploaded.versionId, latest: true, marker: false },
    ]);
  });

  test.each([
    ['small', 100],
    ['multipart', 16 * MiB],
  ])(
    'duplicate events at the same time (%s) do no harm: the file arrives whole, nothing is left behind',
    async (_, size) => {
      const { buckets } = h();
      const key = `proj/concurrent/${size}.csv`;
      const body = bytesOf(size);
      const event = eventBridgeEvent(buckets.exportBucket, await buckets.upload(key, body));
      const runs = await Promise.all([h().run(event), h().run(event), h().run(event)]);
      // An invocation that lost the race may fail (and be retried by Lambda); its retry finds the work done.
      for (const _failed of runs.filter((r) => r.error)) {
        const retry = await h().run(event);
        expect(retry.error).toBeUndefined();
        expect(retry.logs.map((l) => l.outcome)).toEqual(['already_moved']);
      }
      expect(runs.some((r) => r.logs[0]?.outcome === 'moved')).toBe(true);
      expect((await buckets.received(key)).sha256).toBe(sha256(body));
      expect(await buckets.versions('export', key)).toEqual([]);
      expect(await buckets.incompleteUploads()).toEqual([]);
      await expect(
        buckets.exporter.send(new HeadObjectCommand({ Bucket: buckets.exportBucket, Key: key })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    },
  );
});
