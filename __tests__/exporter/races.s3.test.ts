import { execFile, type ChildProcess } from 'node:child_process';

import { FaultProxy, type ProxiedRequest } from '../../scripts/soak/fault-proxy';
import { bundledExporter } from '../../scripts/soak/soak';
import { eventBridgeEvent } from './helpers/events';
import { describeWithS3, MiB, type Harness } from './helpers/harness';
import { bytesOf, clientFor, sha256 } from './helpers/local-s3';

/**
 * The races and faults that broke the exporter's promise, each against the real server, for both strategies. The
 * invariant is always the same: the receiver ends with the newest upload's bytes, the export bucket with nothing (no
 * version of an older upload deleted before newer bytes arrived), no error where nothing went wrong, and no
 * incomplete upload in the receiver's bucket.
 */

/** A client whose first request of `command` to `bucket` waits until `release` is called. */
function heldClient(h: Harness, command: string, bucket: string) {
  const client = clientFor(h.s3, 'exporter');
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const held = new Promise<void>((r) => (reached = r));
  let once = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!once && context.commandName === command && (args.input as { Bucket?: string }).Bucket === bucket) {
        once = true;
        reached();
        await released;
      }
      return next(args);
    },
    { step: 'initialize', name: 'hold' },
  );
  return { client, held, release };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A proxy in front of the server that does `kind` to the first request `which` picks, and passes the rest. */
async function proxyFaulting(h: Harness, kind: 'lostAnswer' | 'latency', which: (r: ProxiedRequest) => boolean, latencyMs = 0) {
  let hit = false;
  const proxy = new FaultProxy({
    upstream: h.s3.endpoint,
    seed: 1,
    rates: { [kind]: 1 },
    latencyMs: [latencyMs, latencyMs],
    eligible: (r) => !hit && which(r) && (hit = true),
  });
  const endpoint = await proxy.start();
  return { proxy, endpoint };
}

const isCreate = (bucket: string) => (r: ProxiedRequest) =>
  r.method === 'POST' && r.bucket === bucket && r.query.has('uploads');

describe.each([['copy'], ['stream']])('races and faults (TRANSFER_MODE=%s)', (mode) => {
  const env = { TRANSFER_MODE: mode };

  describeWithS3(`${mode}: older and newer uploads of one file`, (h) => {
    test('a slow older write racing a newer move: the newer upload waits for it, and its bytes land last', async () => {
      const { buckets } = h();
      const key = `proj/race/slow-older-${mode}.csv`;
      const v1 = await buckets.upload(key, bytesOf(300));
      // The older upload's write stalls (S3 throttled it, the SDK waits to retry) after it took the key's write.
      const write = mode === 'copy' ? 'CopyObjectCommand' : 'PutObjectCommand';
      const slow = heldClient(h(), write, buckets.receiverBucket);
      const older = h().run(eventBridgeEvent(buckets.exportBucket, v1), env, { client: slow.client });
      await slow.held;
      const v2body = bytesOf(400);
      const v2 = await buckets.upload(key, v2body);
      const newer = h().run(eventBridgeEvent(buckets.exportBucket, v2), env);
      await pause(500); // the newer export is waiting for the key's write
      slow.release();
      const [a, b] = await Promise.all([older, newer]);
      slow.client.destroy();
      expect([a.error, b.error]).toEqual([undefined, undefined]);
      expect([a.logs[0].outcome, b.logs[0].outcome]).toEqual(['moved', 'moved']);
      expect((await buckets.received(key)).sha256).toBe(sha256(v2body));
      expect(await buckets.versions('export', key)).toEqual([]);
    });

    test('a same-second overwrite with its events reversed: the older is superseded and deleted, no alarm', async () => {
      const { buckets } = h();
      const key = `proj/race/reversed-${mode}.csv`;
      const v1 = await buckets.upload(key, bytesOf(10));
      const v2body = bytesOf(20);
      const v2 = await buckets.upload(key, v2body);
      expect((await h().run(eventBridgeEvent(buckets.exportBucket, v2), env)).logs[0].outcome).toBe('moved');
      // v2's delete made v1 current again, in the same second: only the ledger knows v2 was newer.
      const late = await h().run(eventBridgeEvent(buckets.exportBucket, v1), env);
      expect(late.error).toBeUndefined();
      expect(late.logs[0].outcome).toBe('superseded');
      expect((await buckets.received(key)).sha256).toBe(sha256(v2body));
      expect(await buckets.versions('export', key)).toEqual([]);
    });

    test('the overwrite race with seconds apart: the older export learns of the newer delivery, no alarm', async () => {
      const { buckets } = h();
      const key = `proj/race/seconds-apart-${mode}.csv`;
      const v1 = await buckets.upload(key, bytesOf(10));
      // The older export has found its version current, then stalls before it claims the key.
      const slow = heldClient(h(), 'PutObjectCommand', buckets.ledgerBucket);
      const older = h().run(eventBridgeEvent(buckets.exportBucket, v1), env, { client: slow.client });
      await slow.held;
      await pause(1100);
      const v2body = bytesOf(20);
      const v2 = await buckets.upload(key, v2body);
      expect((await h().run(eventBridgeEvent(buckets.exportBucket, v2), env)).logs[0].outcome).toBe('moved');
      slow.release();
      const r = await older;
      slow.client.destroy();
      expect(r.error).toBeUndefined();
      expect(r.logs[0]).toMatchObject({ outcome: 'superseded', error: 'a newer upload was delivered first' });
      expect((await buckets.received(key)).sha256).toBe(sha256(v2body));
      expect(await buckets.versions('export', key)).toEqual([]);
    });
  });

  describeWithS3(`${mode}: an older version waiting for the newer delivery`, (h) => {
    test('is deleted by the retry when the delivery stopped after recording itself, before deleting it', async () => {
      const { buckets } = h();
      const key = `proj/race/waiting-${mode}.csv`;
      const v1 = await buckets.upload(key, bytesOf(10));
      const v2body = bytesOf(20);
      const v2 = await buckets.upload(key, v2body);
      expect((await h().run(eventBridgeEvent(buckets.exportBucket, v1), env)).logs[0].outcome).toBe('superseded');
      // The delivery of v2 records itself, then its delete of the waiting v1 fails: the invocation fails.
      const failing = clientFor(h().s3, 'exporter');
      failing.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { VersionId?: string };
          if (context.commandName === 'DeleteObjectCommand' && input.VersionId === v1.versionId) {
            throw Object.assign(new Error('injected'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
          }
          return next(args);
        },
        { step: 'initialize', name: 'failDelete' },
      );
      const event = eventBridgeEvent(buckets.exportBucket, v2);
      const first = await h().run(event, env, { client: failing });
      failing.destroy();
      expect(first.error?.message).toMatch(/deleting the exported source version/);
      const retry = await h().run(event, env);
      expect(retry.error).toBeUndefined();
      expect(retry.logs[0].outcome).toBe('already_there');
      expect((await buckets.received(key)).sha256).toBe(sha256(v2body));
      expect(await buckets.versions('export', key)).toEqual([]);
    });
  });

  describeWithS3(`${mode}: incomplete uploads are not left in the receiver's bucket`, (h) => {
    test("CreateMultipartUpload's answer lost: the SDK's retry made a second upload; the first is aborted", async () => {
      const { buckets } = h();
      const key = `proj/orphans/lost-answer-${mode}.bin`;
      const body = bytesOf(11 * MiB);
      const uploaded = await buckets.upload(key, body);
      const { proxy, endpoint } = await proxyFaulting(h(), 'lostAnswer', isCreate(buckets.receiverBucket));
      const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded), { ...env, AWS_ENDPOINT_URL_S3: endpoint });
      await proxy.stop();
      expect(proxy.counts().lostAnswer).toBe(1);
      expect(run.error).toBeUndefined();
      expect(run.logs[0]).toMatchObject({ outcome: 'moved', error: null });
      expect((await buckets.received(key)).sha256).toBe(sha256(body));
      expect(await buckets.incompleteUploads()).toEqual([]);
    });

    test("the function's deadline during CreateMultipartUpload: the upload S3 made anyway goes with the retry", async () => {
      const { buckets } = h();
      const key = `proj/orphans/deadline-${mode}.bin`;
      const body = bytesOf(11 * MiB);
      const uploaded = await buckets.upload(key, body);
      // The create is held back 2.5 s and still reaches S3; the function's deadline fires after about 1 s.
      const { proxy, endpoint } = await proxyFaulting(h(), 'latency', isCreate(buckets.receiverBucket), 2500);
      const start = Date.now();
      const context = { getRemainingTimeInMillis: () => 1200 - (Date.now() - start) };
      const event = eventBridgeEvent(buckets.exportBucket, uploaded);
      const first = await h().run(event, { ...env, AWS_ENDPOINT_URL_S3: endpoint }, { context });
      expect(first.error?.name).toBe('ExportError');
      expect(first.error?.message).toMatch(/before the function's time limit/);
      await pause(2000); // the held create reaches S3 now: an upload nobody knows the id of
      await proxy.stop();
      expect(await buckets.incompleteUploads()).toEqual([key]);
      const retry = await h().run(event, env);
      expect(retry.logs[0]).toMatchObject({ outcome: 'moved' });
      expect((await buckets.received(key)).sha256).toBe(sha256(body));
      expect(await buckets.incompleteUploads()).toEqual([]);
    });

    test('a function killed mid multipart copy: its retry delivers, and the dead upload is aborted', async () => {
      const { buckets } = h();
      const key = `proj/orphans/crash-${mode}.bin`;
      const body = bytesOf(16 * MiB);
      const uploaded = await buckets.upload(key, body);
      const event = eventBridgeEvent(buckets.exportBucket, uploaded);
      let child: ChildProcess | undefined;
      let parts = 0;
      // The bundled function in its own process, through a proxy that kills it once two parts have reached S3.
      const proxy = new FaultProxy({
        upstream: h().s3.endpoint,
        seed: 1,
        beforeForward: (r) => {
          if (r.method === 'PUT' && r.query.has('partNumber') && ++parts === 2) child?.kill('SIGKILL');
          return undefined;
        },
      });
      const endpoint = await proxy.start();
      const ttl = { CLAIM_TTL_MS: '1000', PART_CONCURRENCY: '1', ...env };
      const exit = await runKilled(bundle(), event, { ...process.env, ...h().env({ ...ttl, AWS_ENDPOINT_URL_S3: endpoint }) }, (c) => (child = c));
      await proxy.stop();
      expect(exit).toBe('SIGKILL');
      expect(await buckets.incompleteUploads()).toEqual([key]);
      await pause(1200); // the dead claim's time to live
      const retry = await h().run(event, ttl);
      expect(retry.logs[0]).toMatchObject({ outcome: 'moved' });
      expect((await buckets.received(key)).sha256).toBe(sha256(body));
      expect(await buckets.incompleteUploads()).toEqual([]);
      expect(await buckets.versions('export', key)).toEqual([]);
    });
  });
});

let bundled: string | undefined;
const bundle = () => (bundled ??= bundledExporter());

/** Runs the bundle's handler in a fresh node, as Lambda would; resolves with the signal that ended it, if any. */
function runKilled(file: string, event: unknown, env: NodeJS.ProcessEnv, started: (c: ChildProcess) => void) {
  const code = `require(${JSON.stringify(file)}).handler(JSON.parse(process.argv[1])).then(() => process.exit(0), () => process.exit(1))`;
  return new Promise<string | number | null>((resolve) => {
    const c = execFile(process.execPath, ['-e', code, JSON.stringify(event)], { env: { ...env, NODE_NO_WARNINGS: '1' } });
    c.on('exit', (status, signal) => resolve(signal ?? status));
    started(c);
  });
}


