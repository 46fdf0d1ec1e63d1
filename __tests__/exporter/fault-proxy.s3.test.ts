import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { once } from 'node:events';
import * as http from 'node:http';
import { createS3Client } from '../../functions/exporter/config';
import {
  DEFAULT_RATES,
  FaultProxy,
  NO_FAULTS,
  type FaultDecision,
  type FaultProxyOptions,
  type ObservedWrite,
} from '../../scripts/soak/fault-proxy';
import { Random } from '../../scripts/soak/random';
import {
  bytesOf,
  clientFor,
  emptyAndDeleteBucket,
  suiteS3,
  sha256,
  uniqueName,
  type LocalS3,
} from './helpers/local-s3';

const MiB = 1024 * 1024;
const AWKWARD_KEYS = ['dir/a file.csv', 'plus+sign.txt', 'per%cent.txt', 'eq=uals:colon.txt', 'ünï/cödé ☃.bin'];

describe('Random', () => {
  test('the same seed gives the same sequence; helpers stay within their bounds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const first = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(first).size).toBe(20);
    expect(new Random(43).next()).not.toBe(new Random(42).next());

    const r = new Random(1);
    const ints = Array.from({ length: 2000 }, () => r.int(3, 6));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5, 6]));
    expect(new Set(Array.from({ length: 200 }, () => r.pick(['x', 'y'])))).toEqual(new Set(['x', 'y']));
    const hits = Array.from({ length: 2000 }, () => r.chance(0.25)).filter(Boolean).length;
    expect(hits).toBeGreaterThan(400);
    expect(hits).toBeLessThan(600);
    expect(() => r.int(2, 1)).toThrow(RangeError);
    expect(() => r.pick([])).toThrow(RangeError);
    expect(() => new Random(1.5)).toThrow(RangeError);
  });
});

const WRAPPED = 'AWS SDK error wrapper for ';

/**
 * The error a command failed with (it must fail), reduced to what the tests compare. `said` is "name: message" of
 * the error the SDK met: under jest, node's socket errors come from another realm than the SDK's `Error`, so the
 * SDK's retry middleware wraps them ("AWS SDK error wrapper for TimeoutError: socket hang up") without name or code.
 */
async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; said: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    const said = e.message.startsWith(WRAPPED) ? e.message.slice(WRAPPED.length) : `${e.name}: ${e.message}`;
    return { name: e.name, status: e.$metadata?.httpStatusCode, said };
  }
  throw new Error('expected the command to fail');
}

/**
 * A plain HTTP upstream: it shows exactly what the proxy sends, and answers as S3 rarely does (a chunked body; 200
 * with an `<Error>` for an upload id or copy source named "fail").
 */
async function plainUpstream() {
  const seen: { method?: string; url?: string; rawHeaders: string[]; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body });
      res.setHeader('x-amz-version-id', `v${seen.length}`);
      if (req.method === 'HEAD') res.setHeader('Content-Length', '5');
      const failed = req.url?.includes('uploadId=fail') || req.headers['x-amz-copy-source'] === 'b/fail';
      res.write(failed ? '<?xml version="1.0"?>\n' : 'ab');
      res.end(failed ? '<Error><Code>InternalError</Code></Error>' : 'cde');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** One request through the proxy with node's own client (no SDK), its body written in the chunks given. */
function rawRequest(endpoint: string, options: http.RequestOptions, body: string[] = []) {
  return new Promise<{ status?: number; headers: http.IncomingHttpHeaders; body: string; reused: boolean }>(
    (resolve, reject) => {
      const headers = { Host: 'signed.example:1234', ...options.headers };
      const req = http.request({ ...options, host: '127.0.0.1', port: new URL(endpoint).port, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: text, reused: req.reusedSocket }),
        );
      });
      req.on('timeout', () => req.destroy(new Error('gave up')));
      req.on('error', reject);
      for (const part of body) req.write(part);
      req.end();
    },
  );
}

const s3 = suiteS3();

(s3 ? describe : describe.skip)('FaultProxy in front of the local S3 server', () => {
  const local = s3 as LocalS3;
  const bucket = uniqueName('fault-proxy');
  const direct = s3 ? clientFor(local, 'exporter') : (undefined as never);
  const proxies: FaultProxy[] = [];
  const clients: S3Client[] = [];

  /**
   * A proxy and a client through it; one attempt by default, so every fault reaches the test, and standard retries:
   * adaptive ones delay every later request by about 2 s after a SlowDown, even with one attempt.
   */
  async function through(
    options: Partial<FaultProxyOptions> = {},
    config: S3ClientConfig = { maxAttempts: 1, retryMode: 'standard' },
  ) {
    const writes: ObservedWrite[] = [];
    const faults: FaultDecision[] = [];
    const proxy = new FaultProxy({
      upstream: local.endpoint,
      seed: 1,
      onWrite: (w) => writes.push(w),
      onFault: (f) => faults.push(f),
      ...options,
    });
    proxies.push(proxy);
    const endpoint = await proxy.start();
    const { accessKeyId, secretAccessKey } = local.exporter;
    const client = createS3Client(
      { endpoint },
      { region: local.region, credentials: { accessKeyId, secretAccessKey }, ...config },
    );
    clients.push(client);
    return { proxy, client, writes, faults, endpoint };
  }

  const inBucket = async (Key: string) =>
    (await direct.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: Key }))).Versions?.filter(
      (v) => v.Key === Key,
    ) ?? [];

  beforeAll(async () => {
    await direct.send(new CreateBucketCommand({ Bucket: bucket }));
    await direct.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const p of proxies) await p.stop();
    await emptyAndDeleteBucket(direct, bucket);
    direct.destroy();
  });

  test('without faults it is transparent, and reports exactly the writes S3 applied', async () => {
    const expectHeaders: string[] = [];
    const { proxy, client, writes } = await through({
      eligible: (r) => (r.headers.expect !== undefined && expectHeaders.push(`${r.method} ${r.key}`), true),
    });
    const own = uniqueName('fault-proxy-own');
    await client.send(new CreateBucketCommand({ Bucket: own }));
    await client.send(new PutBucketVersioningCommand({ Bucket: own, VersioningConfiguration: { Status: 'Enabled' } }));
    await client.send(new DeleteBucketCommand({ Bucket: own }));

    const expected: ObservedWrite[] = [];
    const bodies = new Map<string, Buffer>();
    for (const key of AWKWARD_KEYS) {
      const body = bytesOf(1000 + key.length);
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: `plain/${key}`, Body: body }));
      expected.push({
        operation: 'PutObject',
        bucket,
        key: `plain/${key}`,
        versionId: out.VersionId,
        answerLost: false,
      });
      bodies.set(`plain/${key}`, body);
    }
    for (const [key, body] of bodies) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ContentLength).toBe(body.length);
      const copied = await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: `copy/${key}`,
          CopySource: `${bucket}/${encodeURIComponent(key)}`,
        }),
      );
      expected.push({
        operation: 'CopyObject',
        bucket,
        key: `copy/${key}`,
        versionId: copied.VersionId,
        answerLost: false,
      });
    }
    for (const [key, body] of bodies) {
      const copied = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: `copy/${key}` }));
      expect(sha256(await copied.Body!.transformToByteArray())).toBe(sha256(body));
    }

    // A large PUT: the SDK sends `Expect: 100-continue`.
    const large = bytesOf(10 * MiB);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'large/10 MiB.bin', Body: large }));
    expected.push({
      operation: 'PutObject',
      bucket,
      key: 'large/10 MiB.bin',
      versionId: put.VersionId,
      answerLost: false,
    });
    expect(expectHeaders).toContain('PUT large/10 MiB.bin');

    const mpKey = 'multi/part ünï+%.bin';
    const parts = [bytesOf(10 * MiB), bytesOf(1234)];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: mpKey }));
    const etags = [];
    for (const [i, Body] of parts.entries()) {
      etags.push(
        (await client.send(new UploadPartCommand({ Bucket: bucket, Key: mpKey, UploadId, PartNumber: i + 1, Body })))
          .ETag,
      );
    }
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: mpKey,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expected.push({
      operation: 'CompleteMultipartUpload',
      bucket,
      key: mpKey,
      versionId: done.VersionId,
      answerLost: false,
    });
    const whole = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: mpKey }));
    expect(sha256(await whole.Body!.transformToByteArray())).toBe(sha256(Buffer.concat(parts)));

    // Not writes, or writes S3 refused: none is reported.
    await client.send(
      new PutObjectTaggingCommand({ Bucket: bucket, Key: mpKey, Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }),
    );
    expect(
      (await failure(client.send(new PutObjectCommand({ Bucket: `${bucket}-none`, Key: 'x', Body: 'x' })))).status,
    ).toBe(404);
    const missing = await failure(
      client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy/none', CopySource: `${bucket}/none` })),
    );
    expect(missing.status).toBe(404);
    expect((await failure(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'none' })))).status).toBe(404);

    // RGW 16.2 answers CopyObject without x-amz-version-id (AWS sends it): the proxy reports what S3 said, nothing more.
    expect(expected.filter((w) => w.operation !== 'CopyObject' && !w.versionId)).toEqual([]);
    expect(writes).toEqual(expected);
    expect(proxy.counts()).toMatchObject({ ...NO_FAULTS, upstreamErrors: 0 });
    expect(proxy.counts().requests).toBeGreaterThan(30);
  });

  test('byte-transparent: chunked bodies both ways, HEAD, raw headers, keep-alive; 200 with <Error> is no write', async () => {
    const upstream = await plainUpstream();
    try {
      const { endpoint, proxy, writes } = await through({ upstream: upstream.url });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const send = (method: string, path: string, headers: Record<string, string> = {}, body: string[] = []) =>
        rawRequest(endpoint, { method, path, agent, headers }, body);
      const key = '/b/k%20%2B%25%3D%3A%C3%BC';
      const put = await send('PUT', `${key}?x-id=PutObject`, { 'X-Amz-Odd': 'A  b' }, ['hello ', 'chunked ', 'world']);
      expect(put).toMatchObject({ status: 200, body: 'abcde', reused: false });
      expect(put.headers['transfer-encoding']).toBe('chunked');
      const head = await send('HEAD', key);
      expect(head).toMatchObject({ status: 200, body: '', reused: true });
      expect(head.headers['content-length']).toBe('5');
      expect(await send('GET', `${key}?versionId=v1`)).toMatchObject({ body: 'abcde', reused: true });
      await send('PUT', `${key}?tagging`, {}, ['<Tagging/>']);
      await send('PUT', `${key}?partNumber=1&uploadId=u`, {}, ['part']);
      await send('POST', `${key}?uploadId=u`, {}, ['<CompleteMultipartUpload/>']);
      await send('POST', `${key}?uploadId=fail`, {}, ['<CompleteMultipartUpload/>']);
      await send('PUT', '/b/copied', { 'x-amz-copy-source': 'b/k' });
      await send('PUT', '/b/not-copied', { 'x-amz-copy-source': 'b/fail' });
      agent.destroy();

      const { seen } = upstream;
      expect(seen.map((r) => `${r.method} ${r.url}`).slice(0, 3)).toEqual([
        `PUT ${key}?x-id=PutObject`,
        `HEAD ${key}`,
        `GET ${key}?versionId=v1`,
      ]);
      expect(seen[0].body).toBe('hello chunked world');
      expect(seen[0].rawHeaders).toEqual(
        expect.arrayContaining(['Host', 'signed.example:1234', 'X-Amz-Odd', 'A  b', 'Transfer-Encoding', 'chunked']),
      );
      expect(seen.every((r) => r.rawHeaders.filter((h) => h.toLowerCase() === 'host').length === 1)).toBe(true);
      const k = 'k +%=:ü';
      expect(writes).toEqual([
        { operation: 'PutObject', bucket: 'b', key: k, versionId: 'v1', answerLost: false },
        { operation: 'CompleteMultipartUpload', bucket: 'b', key: k, versionId: 'v6', answerLost: false },
        { operation: 'CopyObject', bucket: 'b', key: 'copied', versionId: 'v8', answerLost: false },
      ]);
      expect(proxy.counts()).toMatchObject({ requests: 9, upstreamErrors: 0 });
    } finally {
      await upstream.close();
    }
  });

  test('latency: a client that gives up during the wait still has its whole request sent', async () => {
    const upstream = await plainUpstream();
    try {
      const { endpoint, writes } = await through({
        upstream: upstream.url,
        rates: { latency: 1 },
        latencyMs: [300, 300],
      });
      const gaveUp = rawRequest(endpoint, { method: 'PUT', path: '/b/gave%20up', timeout: 100 }, ['all ', 'of it']);
      await expect(gaveUp).rejects.toThrow();
      expect(upstream.seen).toEqual([]);
      for (let i = 0; i < 20 && writes.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(upstream.seen.map((r) => [r.method, r.url, r.body])).toEqual([['PUT', '/b/gave%20up', 'all of it']]);
      expect(writes).toEqual([
        { operation: 'PutObject', bucket: 'b', key: 'gave up', versionId: 'v1', answerLost: false },
      ]);
    } finally {
      await upstream.close();
    }
  });

  test.each([
    ['slowDown', { name: 'SlowDown', status: 503 }],
    ['internalError', { name: 'InternalError', status: 500 }],
  ] as const)('%s at rate 1: S3 error answers, the write not applied', async (kind, expected) => {
    const { proxy, client, writes, faults } = await through({ rates: { [kind]: 1 } });
    const small = await failure(client.send(new PutObjectCommand({ Bucket: bucket, Key: `${kind}/small`, Body: 'x' })));
    expect(small).toMatchObject(expected);
    // The large PUT waits for 100-continue: the proxy reads its body and still answers properly.
    const large = await failure(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: `${kind}/large`, Body: bytesOf(10 * MiB) })),
    );
    expect(large).toMatchObject(expected);
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'none' })))).toMatchObject({
      status: expected.status,
    });
    expect(await inBucket(`${kind}/small`)).toEqual([]);
    expect(await inBucket(`${kind}/large`)).toEqual([]);
    expect(writes).toEqual([]);
    expect(faults.map((f) => [f.request, f.kind, f.method, f.key])).toEqual([
      [1, kind, 'PUT', `${kind}/small`],
      [2, kind, 'PUT', `${kind}/large`],
      [3, kind, 'HEAD', 'none'],
    ]);
    expect(proxy.counts()).toMatchObject({ ...NO_FAULTS, [kind]: 3, requests: 3 });
  });

  test('reset at rate 1: a socket error, nothing reaches S3; only eligible requests get faults', async () => {
    const { proxy, client, writes } = await through({ rates: { reset: 1 }, eligible: (r) => r.method === 'PUT' });
    const small = await failure(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'reset/small', Body: 'x' })));
    const large = await failure(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: 'reset/large', Body: bytesOf(10 * MiB) })),
    );
    // Before the body is written the SDK reads a hang-up; while writing 10 MiB it may meet the closed socket first.
    expect(small).toMatchObject({ status: undefined, said: 'TimeoutError: socket hang up' });
    expect(large.status).toBeUndefined();
    expect(large.said).toMatch(/^TimeoutError: (socket hang up|write EPIPE|write ECONNRESET)$/);
    expect(await inBucket('reset/small')).toEqual([]);
    expect(await inBucket('reset/large')).toEqual([]);
    // Not eligible: S3 itself answers.
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'reset/small' })))).toMatchObject({
      status: 404,
    });
    expect(writes).toEqual([]);
    expect(proxy.counts()).toMatchObject({ ...NO_FAULTS, reset: 2, requests: 3 });
  });

  test('lostAnswer at rate 1: a socket error, yet S3 applied the write and it is reported', async () => {
    const { proxy, client, writes } = await through({ rates: { lostAnswer: 1 } });
    const body = bytesOf(10 * MiB);
    for (const Key of ['lost/small', 'lost/large']) {
      const e = await failure(
        client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key.endsWith('small') ? 'x' : body })),
      );
      expect(e).toMatchObject({ status: undefined, said: 'TimeoutError: socket hang up' });
    }
    const copy = await failure(
      client.send(new CopyObjectCommand({ Bucket: bucket, Key: 'lost/copied', CopySource: `${bucket}/lost/large` })),
    );
    expect(copy).toMatchObject({ status: undefined, said: 'TimeoutError: socket hang up' });
    const stored = await Promise.all(['lost/small', 'lost/large', 'lost/copied'].map(inBucket));
    expect(stored.map((v) => v.length)).toEqual([1, 1, 1]);
    expect(writes).toEqual([
      { operation: 'PutObject', bucket, key: 'lost/small', versionId: stored[0][0].VersionId, answerLost: true },
      { operation: 'PutObject', bucket, key: 'lost/large', versionId: stored[1][0].VersionId, answerLost: true },
      { operation: 'CopyObject', bucket, key: 'lost/copied', versionId: writes[2]?.versionId, answerLost: true },
    ]);
    expect([undefined, stored[2][0].VersionId]).toContain(writes[2].versionId); // RGW: undefined, see above
    const got = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: 'lost/large' }));
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
    expect(proxy.counts()).toMatchObject({ ...NO_FAULTS, lostAnswer: 3, requests: 3 });
  });

  test('latency at rate 1: slower, but it succeeds', async () => {
    const { proxy, client, writes, faults } = await through({ rates: { latency: 1 }, latencyMs: [300, 350] });
    const started = Date.now();
    const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'latency/one', Body: 'x' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'latency/one' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(head.VersionId).toBe(out.VersionId);
    expect(writes).toEqual([
      { operation: 'PutObject', bucket, key: 'latency/one', versionId: out.VersionId, answerLost: false },
    ]);
    expect(faults.map((f) => f.delayMs! >= 300 && f.delayMs! <= 350)).toEqual([true, true]);
    expect(proxy.counts()).toMatchObject({ ...NO_FAULTS, latency: 2, requests: 2 });
  });

  test('the same seed and request order give the same faults; setRates(NO_FAULTS) stops them', async () => {
    const rates = { slowDown: 0.15, internalError: 0.15, reset: 0.15, lostAnswer: 0.15, latency: 0.15 };
    const runs = [];
    for (const run of [1, 2]) {
      const { proxy, client, faults } = await through({ seed: 20240501, rates, latencyMs: [1, 5] });
      const outcomes: string[] = [];
      for (let i = 0; i < 50; i++) {
        const command =
          i % 3 === 0
            ? new HeadObjectCommand({ Bucket: bucket, Key: `seeded/${i - 3}` })
            : new PutObjectCommand({ Bucket: bucket, Key: `seeded/${i}`, Body: `run ${run}` });
        outcomes.push(
          await client.send(command as PutObjectCommand).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      }
      runs.push({ faults, outcomes, counts: proxy.counts() });
      proxy.setRates(NO_FAULTS);
      for (let i = 0; i < 10; i++) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'seeded/after', Body: 'x' }));
      }
      expect(proxy.counts()).toEqual({ ...runs[runs.length - 1].counts, requests: 60 });
    }
    expect(runs[1].faults).toEqual(runs[0].faults);
    expect(runs[1].counts).toEqual(runs[0].counts);
    expect(runs[1].outcomes).toEqual(runs[0].outcomes);
    expect(new Set(runs[0].faults.map((f) => f.kind)).size).toBe(5);
    expect(runs[0].counts.requests).toBe(50);
    expect(runs[0].faults.length).toBeGreaterThan(25);
    expect(runs[0].faults.length).toBeLessThan(50);

    const other = await through({ seed: 7, rates, latencyMs: [1, 5] });
    for (let i = 0; i < 20; i++) {
      await other.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'seeded/1' })).catch(() => undefined);
    }
    const firstTwenty = (faults: FaultDecision[]) =>
      faults.filter((f) => f.request <= 20).map((f) => [f.request, f.kind]);
    expect(firstTwenty(other.faults)).not.toEqual(firstTwenty(runs[0].faults));

    expect(() => other.proxy.setRates({ slowDown: 0.9, reset: 0.2 })).toThrow(/add up to/);
    expect(() => other.proxy.setRates({ latency: -1 })).toThrow(RangeError);
  });

  test("with the SDK's default retries and DEFAULT_RATES, 100 PutObjects all succeed", async () => {
    // The exporter's own client settings: 8 attempts, adaptive retries.
    const { proxy, client, writes } = await through({ seed: 99, rates: DEFAULT_RATES }, {});
    const keys = Array.from({ length: 100 }, (_, i) => `soak/${String(i).padStart(3, '0')} ü+%.txt`);
    const versions = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 10) {
      await Promise.all(
        keys.slice(i, i + 10).map(async (Key) => {
          const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `body of ${Key}` }));
          versions.set(Key, out.VersionId!);
        }),
      );
    }
    const counts = proxy.counts();
    const faults = counts.slowDown + counts.internalError + counts.reset + counts.lostAnswer;
    expect(faults).toBeGreaterThan(0);
    expect(counts.upstreamErrors).toBe(0);
    // Every retry is one more request; a lost answer is one more applied write (a version) besides.
    expect(counts.requests).toBe(100 + faults);
    const listed =
      (await direct.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'soak/' }))).Versions ?? [];
    expect(listed).toHaveLength(100 + counts.lostAnswer);
    expect(writes).toHaveLength(100 + counts.lostAnswer);
    expect(writes.filter((w) => w.answerLost)).toHaveLength(counts.lostAnswer);
    expect(new Set(writes.map((w) => w.versionId))).toEqual(new Set(listed.map((v) => v.VersionId)));
    for (const key of keys) {
      const latest = listed.find((v) => v.Key === key && v.IsLatest);
      expect(latest?.VersionId).toBe(versions.get(key));
    }
  });
});
