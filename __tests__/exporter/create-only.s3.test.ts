import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../functions/exporter/config';
import { CreateOnly } from '../../scripts/soak/create-only';
import { FaultProxy } from '../../scripts/soak/fault-proxy';
import { describeWithS3 } from './helpers/harness';
import { httpStatus } from '../../functions/exporter/errors';

/**
 * Why the receipts' tests emulate S3's create-only write (scripts/soak/create-only.ts), and that the emulation
 * answers as AWS documents: a PutObject with If-None-Match: * is refused when the key has a current object.
 */
describeWithS3('If-None-Match in the versioned export bucket', (h) => {
  const put = (client: S3Client, Key: string, Body: string) =>
    client.send(new PutObjectCommand({ Bucket: h().buckets.exportBucket, Key, Body, IfNoneMatch: '*' })).then(
      () => 200,
      (err: unknown) => httpStatus(err),
    );

  test('the local server takes a second create of a key in a versioned bucket (AWS refuses it: 412)', async () => {
    // If this fails, RGW has learnt conditional creates in versioned buckets, and the emulation can go.
    expect([
      await put(h().buckets.exporter, 'rgw/once', 'a'),
      await put(h().buckets.exporter, 'rgw/once', 'b'),
    ]).toEqual([200, 200]);
  });

  test('through the emulation: the second create is refused with 412, also when both race', async () => {
    const createOnly = new CreateOnly((_, key) => key.startsWith('emulated/'));
    const proxy = new FaultProxy({
      upstream: h().s3.endpoint,
      seed: 1,
      rates: {},
      onWrite: (w) => createOnly.observe(w),
      answerInstead: (r) => createOnly.refusal(r),
    });
    const endpoint = await proxy.start();
    const { accessKeyId, secretAccessKey } = h().s3.exporter;
    const client = createS3Client(
      { endpoint },
      { region: h().s3.region, credentials: { accessKeyId, secretAccessKey } },
    );
    try {
      expect([await put(client, 'emulated/once', 'a'), await put(client, 'emulated/once', 'b')]).toEqual([200, 412]);
      const raced = await Promise.all([put(client, 'emulated/race', 'a'), put(client, 'emulated/race', 'b')]);
      expect(raced.sort()).toEqual([200, 412]);
      // Keys it was not given are left to the server.
      expect([await put(client, 'other/twice', 'a'), await put(client, 'other/twice', 'b')]).toEqual([200, 200]);
    } finally {
      client.destroy();
      await proxy.stop();
    }
  });
});
