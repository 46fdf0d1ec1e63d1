/**
 * The exporter on the local S3 server (Ceph RGW), in one run: multipart-copy throughput of a large object for both
 * strategies against `aws s3 cp` between the same buckets (Debian's awscli, installed when missing), requests per
 * small-file move, bundle size and cold import time of the Lambda bundle. Goals (issue 4): ≥ 1.5× `aws s3 cp`,
 * ≤ 3 requests per small move, bundle ≤ 300 KB.
 *
 *   npx ts-node --transpile-only bench/exporter.ts [SIZE]     SIZE: bytes or e.g. 2GiB, 512MiB (default 2GiB)
 *   BENCH_ROUNDS=5 …                                          rounds of the three transfers (default 3)
 *
 * RGW's memstore keeps objects in RAM: the server must hold the source and one copy (6 GiB by default; start it with
 * LOCAL_S3_MEMSTORE_BYTES for more).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { unzipSync } from 'fflate';
import { DEFAULTS } from '../functions/exporter/defaults';
import { RECEIPTS_ROOT } from '../naming';
import { bundleLambda } from '../packaging/lambda-bundle';
import { createS3Client } from '../functions/exporter/config';
import { eventBridgeEvent } from '../__tests__/exporter/helpers/events';
import { running } from '../__tests__/exporter/global-setup';
import { Harness } from '../__tests__/exporter/helpers/harness';
import { Buckets, bytesOf, localS3, type LocalS3 } from '../__tests__/exporter/helpers/local-s3';
import { localS3Dir } from '../scripts/local-s3/dir';
import { silenceSdkNodeWarning } from '../scripts/sdk-node-warning';

const ROOT = path.resolve(__dirname, '..');
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const AWS_CLI = '/usr/bin/aws';

function parseSize(arg = '2GiB'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(GiB|MiB|KiB|B)?$/i.exec(arg);
  if (!m) throw new Error(`size ${JSON.stringify(arg)}: expected bytes or a number with GiB, MiB or KiB`);
  const unit = { gib: GiB, mib: MiB, kib: 1024, b: 1 }[(m[2] ?? 'b').toLowerCase()]!;
  return Math.round(Number(m[1]) * unit);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function ensureAwsCli(): string {
  if (!fs.existsSync(AWS_CLI)) {
    console.log('installing Debian awscli (reference for throughput)...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = ['install', '-y', '-qq', '--no-install-recommends', 'awscli'];
    if (spawnSync('apt-get', install, { env, stdio: 'ignore' }).status !== 0) {
      run('apt-get', ['update', '-qq'], env);
      run('apt-get', install, env);
    }
  }
  return run(AWS_CLI, ['--version']).trim().split(' ')[0];
}

/** The source object: streamed up in parts so the bench never holds it in memory. */
async function uploadLarge(client: S3Client, bucket: string, key: string, size: number) {
  const block = bytesOf(8 * MiB);
  const body = Readable.from(
    (function* () {
      for (let sent = 0; sent < size; sent += block.length)
        yield block.subarray(0, Math.min(block.length, size - sent));
    })(),
  );
  const out = await new Upload({ client, params: { Bucket: bucket, Key: key, Body: body }, partSize: 64 * MiB }).done();
  return { key, size, etag: out.ETag!.replace(/"/g, ''), versionId: out.VersionId! };
}

/** Drops the copy and has RGW's garbage collector free it now, so memstore holds one copy at a time. */
async function dropCopy(buckets: Buckets, key: string) {
  for (const v of await buckets.versions('receiver', key)) {
    await buckets.receiver.send(
      new (
        await import('@aws-sdk/client-s3')
      ).DeleteObjectCommand({ Bucket: buckets.receiverBucket, Key: key, VersionId: v.versionId }),
    );
  }
  spawnSync('radosgw-admin', ['gc', 'process', '--include-all'], {
    env: { ...process.env, CEPH_CONF: path.join(localS3Dir(), 'ceph.conf') },
    stdio: 'ignore',
    timeout: 120_000,
  });
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB (${(bytes / 1024).toFixed(0)} KiB)`;

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Requests the handler sends for one small file (1 KiB), moved, counted by an SDK middleware on its client. */
async function requestsPerSmallMove(
  s3: LocalS3,
  harness: Harness,
): Promise<{ counts: Record<string, number>; receiptBytes: number }> {
  const client = createS3Client(
    { endpoint: s3.endpoint },
    {
      region: s3.region,
      credentials: { accessKeyId: s3.exporter.accessKeyId, secretAccessKey: s3.exporter.secretAccessKey },
    },
  );
  const counts: Record<string, number> = {};
  let receiptBytes = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; Body?: unknown };
      const receipt = input.Key?.startsWith(RECEIPTS_ROOT) === true;
      if (receipt && typeof input.Body === 'string') receiptBytes += Buffer.byteLength(input.Body);
      const name = `${(context.commandName ?? 'unknown').replace(/Command$/, '')}${receipt ? ' (receipt)' : ''}`;
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countRequests' },
  );
  const small = await harness.buckets.upload('proj/bench/small.csv', bytesOf(1024));
  const r = await harness.run(eventBridgeEvent(harness.buckets.exportBucket, small), {}, { client });
  if (r.error) throw r.error;
  client.destroy();
  return { counts, receiptBytes };
}

/** Handler time for one small file, moved, over `n` files one after another (the client warm): median and max. */
async function smallMoveLatency(harness: Harness, n = 25): Promise<{ median: number; max: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const small = await harness.buckets.upload(`proj/bench/latency-${i}.csv`, bytesOf(1024));
    const t0 = process.hrtime.bigint();
    const r = await harness.run(eventBridgeEvent(harness.buckets.exportBucket, small));
    if (r.error) throw r.error;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(n / 2)], max: ms[n - 1] };
}

/** The artifact Lambda deploys (packaging/lambda-bundle.ts, as synth builds it), and how long it takes to load. */
function bundle(): { scriptBytes: number; zipBytes: number; importMs: number[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-exporter-'));
  const artifact = bundleLambda({ entry: 'functions/exporter/handler.ts', projectRoot: ROOT, outDir: dir });
  const script = unzipSync(fs.readFileSync(artifact.zipPath))['index.js'];
  const out = path.join(dir, 'index.js');
  fs.writeFileSync(out, script);
  const importMs = Array.from({ length: 7 }, () =>
    Number(
      run(process.execPath, [
        '-e',
        `const t=process.hrtime.bigint();require(${JSON.stringify(out)});console.log(Number(process.hrtime.bigint()-t)/1e6)`,
      ]).trim(),
    ),
  ).sort((a, b) => a - b);
  return { scriptBytes: script.length, zipBytes: artifact.bytes, importMs };
}

async function main() {
  const size = parseSize(process.argv[2]);
  const started = !(await running());
  if (started) run('bash', ['scripts/local-s3/start.sh']);
  const s3 = localS3();
  if (!s3) throw new Error('the local S3 server did not start');
  const memstore = Number(
    /memstore device bytes = (\d+)/.exec(fs.readFileSync(path.join(localS3Dir(), 'ceph.conf'), 'utf8'))?.[1],
  );
  if (size * 2.2 > memstore) {
    throw new Error(
      `${size} bytes twice do not fit the server's ${memstore}-byte memstore: npm run s3:stop, then ` +
        `LOCAL_S3_MEMSTORE_BYTES=${Math.ceil((size * 2.5) / GiB) * GiB} npm run s3:start`,
    );
  }
  const awsVersion = ensureAwsCli();
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: s3.exporter.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.exporter.secretAccessKey,
    AWS_REGION: s3.region,
  });
  const buckets = await new Buckets(s3).create();
  const harness = new Harness(s3, buckets);
  try {
    const key = 'proj/bench/large.bin';
    process.stdout.write(`uploading ${(size / GiB).toFixed(2)} GiB... `);
    const source = await uploadLarge(buckets.exporter, buckets.exportBucket, key, size);
    console.log('done');

    // One server, one client machine, two cores: single timings swing by ±40 %. Each round runs the three methods
    // one after another; the figures are medians over the rounds, the ratio that of the medians.
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    const awsLabel = `aws s3 cp (${awsVersion}, 8 MiB parts, 10 in flight)`;
    const times = new Map<string, number[]>();
    const details = new Map<string, string>();
    const record = (label: string, seconds: number) => times.set(label, [...(times.get(label) ?? []), seconds]);
    const settings = {
      KEEP_FILES: 'true',
      MULTIPART_THRESHOLD_BYTES: String(DEFAULTS.multipartThresholdBytes),
      PART_SIZE_BYTES: String(DEFAULTS.partSizeBytes),
      // As the stacks deploy it (1,024 MB): streaming keeps its buffers within half of that.
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    };
    for (let round = 1; round <= rounds; round++) {
      process.stdout.write(`round ${round}/${rounds}: aws s3 cp`);
      record(
        awsLabel,
        await timed(() => {
          run(
            AWS_CLI,
            ['s3', 'cp', `s3://${buckets.exportBucket}/${key}`, `s3://${buckets.receiverBucket}/${key}`]
              .concat(['--endpoint-url', s3.endpoint, '--acl', 'bucket-owner-full-control'])
              .concat(['--copy-props', 'metadata-directive', '--only-show-errors']),
            { ...process.env, AWS_DEFAULT_REGION: s3.region },
          );
        }),
      );
      await dropCopy(buckets, key);
      for (const mode of ['copy', 'stream']) {
        process.stdout.write(`, exporter ${mode}`);
        let detail = '';
        // Streaming must stay within part size × queue whatever the object's size: watch the process's memory.
        const rssBefore = process.memoryUsage().rss;
        let rssPeak = rssBefore;
        const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
        const seconds = await timed(async () => {
          const r = await harness.run(eventBridgeEvent(buckets.exportBucket, source), {
            ...settings,
            TRANSFER_MODE: mode,
          });
          if (r.error) throw r.error;
          detail = `${r.logs[0].strategy}, ${r.logs[0].parts} parts`;
        });
        clearInterval(sampler);
        const rss = (rssPeak - rssBefore) / MiB;
        details.set(mode, `${detail}, +${rss.toFixed(0)} MiB peak RSS`);
        record(`exporter ${mode}`, seconds);
        await dropCopy(buckets, key);
      }
      console.log();
    }

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const awsMedian = median(times.get(awsLabel)!);
    const mib = size / MiB;
    console.log(
      `\n${(size / GiB).toFixed(2)} GiB between two users' buckets on ${s3.endpoint} (Ceph RGW, memstore), ` +
        `whole command or handler call, median of ${rounds} rounds [slowest–fastest]:`,
    );
    for (const [label, xs] of times) {
      const m = median(xs);
      const rate = (t: number) => (mib / t).toFixed(0);
      const detail = details.get(label.replace('exporter ', ''));
      console.log(
        `  ${`${label}${detail ? ` (${detail})` : ''}`.padEnd(84)} ${m.toFixed(2).padStart(7)} s ` +
          `${rate(m).padStart(5)} MiB/s [${rate(Math.max(...xs))}–${rate(Math.min(...xs))}]  ` +
          (label === awsLabel ? '(reference)' : `×${(awsMedian / m).toFixed(2)} aws s3 cp; goal ≥ 1.5×`),
      );
    }
    const copyRate = mib / median(times.get('exporter copy')!);
    // A copy stops starting parts when DEFAULTS.handOverMarginMs are left of Lambda's 900 s.
    const usable = 900 - DEFAULTS.handOverMarginMs / 1000;
    console.log(
      `  at the copy rate, one invocation (${usable} s of Lambda's 900 s) moves about ${(
        (copyRate * usable) /
        1024
      ).toFixed(0)} GiB before a longer copy hands over to the next`,
    );

    const { counts, receiptBytes } = await requestsPerSmallMove(s3, harness);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `\nrequests per small-file move, receipts on: ${total} (${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}); the receipt is one PutObject of ${receiptBytes} bytes`,
    );
    // S3 Standard in eu-west-1: $0.005 per 1,000 PUTs, $0.023 per GB-month (docs/exporter.md, "What receipts cost").
    const gb = (receiptBytes * 1e6) / 1e9;
    console.log(
      `  per million small files, receipts add 1,000,000 PUTs (about $5) and ${gb.toFixed(2)} GB kept ` +
        `(about $${(gb * 0.023 * 13).toFixed(2)} over the 400 days' retention)`,
    );
    const latency = await smallMoveLatency(harness);
    console.log(
      `small-file move, whole handler call (1 KiB, 25 files): median ${latency.median.toFixed(1)} ms, ` +
        `max ${latency.max.toFixed(1)} ms (the two HeadObjects run together: three round trips)`,
    );

    const b = bundle();
    console.log(
      `bundle (packaging/lambda-bundle.ts, SDK included): deployed zip ${kb(b.zipBytes)} (index.js and its source ` +
        `map); goal ≤ 300 KB. index.js alone, the code a cold start loads: ${kb(b.scriptBytes)}`,
    );
    console.log(
      `cold import of the bundle (fresh node ${process.version}, 7 runs): median ${b.importMs[3].toFixed(0)} ms, ` +
        `min ${b.importMs[0].toFixed(0)} ms, max ${b.importMs[6].toFixed(0)} ms`,
    );
  } finally {
    await buckets.destroy();
    if (started) run('bash', ['scripts/local-s3/stop.sh']);
  }
}

silenceSdkNodeWarning();
main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
