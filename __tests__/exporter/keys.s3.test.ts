import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { eventBridgeEvent, formEncode, s3RecordsEvent, type EventObject } from './helpers/events';
import { describeWithS3 } from './helpers/harness';
import { bytesOf } from './helpers/local-s3';

/** Keys whose raw and form-decoded readings differ, or cannot be decoded, or need encoding in a copy source. */
const KEYS = [
  'with space.csv',
  'plus+sign.csv',
  '100%.csv',
  'looks%41encoded.csv',
  'a=b:c;d.csv',
  'ünïcödé €.csv',
  'mixed +%2B =:.csv',
  'folder marker/',
];

const SHAPES: [string, (bucket: string, o: EventObject) => unknown][] = [
  ['EventBridge, raw key', (b, o) => eventBridgeEvent(b, o)],
  ['EventBridge, form-encoded key', (b, o) => eventBridgeEvent(b, { ...o, key: formEncode(o.key) })],
  ['S3 records, form-encoded key (AWS)', (b, o) => s3RecordsEvent(b, o)],
  ['S3 records, raw key (RGW)', (b, o) => s3RecordsEvent(b, o, { raw: true })],
];

describeWithS3('keys: every event shape and encoding finds the object the event means', (h) => {
  const cases = SHAPES.flatMap(([shape], s) => KEYS.map((name) => [name, shape, s] as const));

  test.each(cases)('%j via %s arrives under the same key; the source version is gone', async (name, _shape, s) => {
    const { buckets } = h();
    const key = `proj/keys/${s}/${name}`;
    const body = name.endsWith('/') ? bytesOf(0) : bytesOf(1000);
    const uploaded = await buckets.upload(key, body);
    const run = await h().run(SHAPES[s][1](buckets.exportBucket, uploaded));
    expect(run.error).toBeUndefined();
    expect(run.logs.map((l) => [l.key, l.outcome])).toEqual([[key, 'moved']]);
    expect(Buffer.from((await buckets.received(key)).body).equals(body)).toBe(true);
    expect((await buckets.versions('export', key)).filter((v) => v.key === key)).toEqual([]);
  });

  // Without `%`: RGW 16.2 URL-decodes UploadPartCopy's x-amz-copy-source twice (CopyObject's once, as AWS does), so a
  // correctly encoded `%` key is not found there; `%` keys are covered above through CopyObject.
  test.each([['copy'], ['stream']])('multipart copy and streaming find tricky keys too (%s)', async (mode) => {
    const { buckets } = h();
    const key = `proj/keys-${mode}/mixed + =:;ü €.csv`;
    const body = bytesOf(6 * 1024 * 1024);
    const uploaded = await buckets.upload(key, body);
    const run = await h().run(s3RecordsEvent(buckets.exportBucket, uploaded), { TRANSFER_MODE: mode });
    expect(run.error).toBeUndefined();
    expect(Buffer.from((await buckets.received(key)).body).equals(body)).toBe(true);
  });

  test('when "x y.csv" and "x+y.csv" both exist, an ambiguous event moves exactly the one it names', async () => {
    const { buckets } = h();
    const spaced = await buckets.upload('proj/pair/x y.csv', bytesOf(10));
    await buckets.upload('proj/pair/x+y.csv', bytesOf(20));
    // "x y.csv" form-encoded is literally "x+y.csv", the other object's name.
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, { ...spaced, key: 'proj/pair/x+y.csv' }));
    expect(run.error).toBeUndefined();
    expect(run.logs.map((l) => l.key)).toEqual(['proj/pair/x y.csv']);
    expect((await buckets.received('proj/pair/x y.csv')).body.length).toBe(10);
    const left = await buckets.versions('export', 'proj/pair/');
    expect(left.map((v) => v.key)).toEqual(['proj/pair/x+y.csv']);
    await expect(
      buckets.receiver.send(new HeadObjectCommand({ Bucket: buckets.receiverBucket, Key: 'proj/pair/x+y.csv' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  test.each([['other/file.csv'], ['proj_2/file.csv'], ['file.csv'], ['projfile.csv']])(
    '%s is outside proj/: refused, not copied, not deleted, and not an error',
    async (key) => {
      const { buckets } = h();
      const uploaded = await buckets.upload(key, bytesOf(5));
      const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded));
      expect(run.error).toBeUndefined();
      expect(run.logs.map((l) => [l.outcome, l.error])).toEqual([
        ['refused', 'the key is outside proj/ (dataset proj): not copied, not deleted'],
      ]);
      expect((await buckets.versions('export', key)).filter((v) => v.key === key)).toHaveLength(1);
      await expect(buckets.received(key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    },
  );

  test('the test event S3 sends when notifications are set up is ignored', async () => {
    const { buckets } = h();
    const run = await h().run({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: buckets.exportBucket });
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({ outcomes: [], ignored: ['s3:TestEvent'] });
  });
});
