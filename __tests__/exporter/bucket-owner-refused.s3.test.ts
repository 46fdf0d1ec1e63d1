import { operationOf, ownerRefusal, type BucketAccounts } from '../../scripts/soak/expected-owner';
import { eventBridgeEvent } from './helpers/events';
import { describeWithS3, MiB } from './helpers/harness';
import { ACCOUNTS, bytesOf, sha256 } from './helpers/local-s3';
import { OwnerProxy } from './helpers/owner-proxy';

/** Some other account, which owns the receiving bucket now (the approved one deleted it; its name was taken). */
const NEW_OWNER = '999988887777';

/**
 * A dataset whose approved owner (bucket_owner, TARGET_BUCKET_OWNER) is not the account owning the bucket. On AWS, S3
 * refuses every request naming the approved account with 403 AccessDenied. RGW ignores the header, so the proxy
 * EMULATES that documented AWS behaviour (scripts/soak/expected-owner.ts) with the "real" owners this test gives.
 */
describeWithS3('a receiving bucket no longer in the approved account (S3 emulated by the proxy)', (h) => {
  const wire = new OwnerProxy(h);
  beforeAll(() => wire.start());
  afterAll(() => wire.stop());
  /** Who really owns each bucket, as the emulated S3 checks it. */
  const owned = (changes: BucketAccounts = {}) => {
    const real = { ...wire.accounts(), ...changes };
    wire.answer = (req) => ownerRefusal(real, req);
    return real;
  };
  beforeEach(() => wire.reset());

  test('with the approved owner owning the bucket, the emulation lets every request through', async () => {
    owned();
    const { buckets } = h();
    const body = bytesOf(11 * MiB);
    const uploaded = await buckets.upload('proj/refused/control.bin', body);
    const r = await wire.harness().run(eventBridgeEvent(buckets.exportBucket, uploaded));
    expect([r.error?.message, r.logs.map((l) => l.outcome)]).toEqual([undefined, ['moved']]);
    expect((await buckets.received(uploaded.key)).sha256).toBe(sha256(body));
  });

  test.each([
    ['CopyObject', 100, {}],
    ['multipart copy', 11 * MiB, {}],
    ['stream in one PutObject', 100, { TRANSFER_MODE: 'stream' }],
    ['multipart stream', 11 * MiB, { TRANSFER_MODE: 'stream' }],
  ])('%s: nothing written, the source kept, and the message says the bucket may have left the account', async (_, size, env) => {
    const real = owned({ [h().buckets.receiverBucket]: NEW_OWNER });
    const { buckets } = h();
    const key = `proj/refused/${size}-${Object.keys(env).length}.bin`;
    const uploaded = await buckets.upload(key, bytesOf(size));
    const r = await wire.harness().run(eventBridgeEvent(buckets.exportBucket, uploaded), { ...env, KEEP_FILES: 'false' });

    expect(r.error?.name).toBe('ExportError');
    const message = r.error!.message;
    expect(message).toContain(`failed while writing the target: s3://${buckets.receiverBucket} refused`);
    expect(message).toContain(`the bucket may no longer be in the approved account ${ACCOUNTS.receiver}`);
    expect(message).toContain("the dataset's bucket_owner in push_datasets/proj.yaml must be updated in a reviewed pull request");
    expect(message).toContain(`Nothing was written to s3://${buckets.receiverBucket}. The source was kept`);
    expect(r.logs.map((l) => [l.outcome, l.error])).toEqual([['failed', message]]);

    // Every request to the target was refused, so none reached the bucket; the source version is still there.
    const toTarget = wire.seen.filter((req) => req.bucket === buckets.receiverBucket);
    expect(toTarget.length).toBeGreaterThan(0);
    expect(toTarget.filter((req) => !ownerRefusal(real, req)).map(operationOf)).toEqual([]);
    expect(await buckets.versions('receiver', key)).toEqual([]);
    expect(await buckets.incompleteUploads()).toEqual([]);
    expect(await buckets.versions('export', key)).toEqual([
      { key, versionId: uploaded.versionId, latest: true, marker: false },
    ]);
  });

  test('an export bucket outside PLATFORM_ACCOUNT: refused at the first read, nothing written, the source kept', async () => {
    owned({ [h().buckets.exportBucket]: NEW_OWNER });
    const { buckets } = h();
    const uploaded = await buckets.upload('proj/refused/platform.csv', bytesOf(100));
    const r = await wire.harness().run(eventBridgeEvent(buckets.exportBucket, uploaded));
    expect(r.error?.message).toContain('failed while reading the source');
    expect(r.error?.message).toContain(`Every request names the platform account ${ACCOUNTS.platform} as the bucket's owner`);
    // The failed attempt's receipt is tried, and refused too: that bucket is not the platform's.
    expect(wire.kinds()).toEqual(['HeadObject export', 'PutObject export']);
    expect(await buckets.versions('receiver', uploaded.key)).toEqual([]);
    expect(await buckets.versions('export', uploaded.key)).toHaveLength(1);
  });
});
