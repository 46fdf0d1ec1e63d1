import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import {
  LambdaSim,
  compareSequencers,
  type InvocationRecord,
  type ObjectWritten,
  type SimOptions,
} from '../../scripts/soak/lambda-sim';
import {
  functionConfig,
  matches,
  readStack,
  type EventPattern,
  type FunctionConfig,
} from '../../scripts/soak/stack-config';
import { FIXTURE_DATASETS, exporterArtifact, synthesize } from '../helpers/synth';
import { Buckets, bytesOf, suiteS3, uniqueName } from './helpers/local-s3';

/**
 * The simulated EventBridge and asynchronous Lambda the soak test runs the exporter in: its own behaviour is tested
 * with small handler files in real worker processes, and once with the bundle synth deploys against the local server.
 */

const EXPORT_BUCKET = 'mojap-hub-exports';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-sim-'));

/** Handlers as files, as Lambda loads them. State shared between attempts lives in files: each worker is a process. */
const HANDLERS: Record<string, string> = {
  // Records what it was given, then succeeds.
  'record.js': `const fs = require('fs');
exports.handler = async (event, context) => {
  const env = process.env;
  fs.appendFileSync(env.RECORD_FILE, JSON.stringify({ fn: env.AWS_LAMBDA_FUNCTION_NAME, pid: process.pid, event,
    remaining: context.getRemainingTimeInMillis(), arn: context.invokedFunctionArn, name: context.functionName,
    requestId: context.awsRequestId, env: { memory: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, region: env.AWS_REGION,
      dataset: env.DATASET, extra: env.EXTRA, leak: env.LAMBDA_SIM_LEAK_CHECK } }) + '\\n');
  if (env.SLOW_MS) await new Promise((r) => setTimeout(r, Number(env.SLOW_MS)));
  return { ok: true };
};`,
  // Fails the first FAIL_TIMES attempts of each event (counted across processes), then succeeds.
  'flaky.js': `const fs = require('fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.ATTEMPTS_FILE, event.id + '\\n');
  const n = fs.readFileSync(process.env.ATTEMPTS_FILE, 'utf8').split('\\n').filter((l) => l === event.id).length;
  if (n <= Number(process.env.FAIL_TIMES)) throw new Error('attempt ' + n + ' failed');
  return { attempt: n };
};`,
  // Never answers; says which process it is in.
  'hang.js': `exports.handler = () => { console.log('hanging in ' + process.pid); return new Promise(() => {}); };`,
};
for (const [name, text] of Object.entries(HANDLERS)) fs.writeFileSync(path.join(dir, name), text);
const handler = (name: string) => path.join(dir, name);

let configs: Record<string, FunctionConfig>;
let synthesized: ReturnType<typeof synthesize>;
beforeAll(() => {
  synthesized = synthesize();
  const { stacks } = synthesized;
  configs = Object.fromEntries(['proj', 'proj2', 'proj_2'].map((d) => [d, functionConfig(stacks[`push-${d}`])]));
});

const sims: LambdaSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

/** A started simulation of dataset proj's function with the given handler; fast AWS time unless told otherwise. */
async function simOf(
  file: string,
  options: Partial<SimOptions> & { config?: Partial<FunctionConfig>; env?: Record<string, string> } = {},
) {
  const { config, env, ...rest } = options;
  const sim = new LambdaSim({
    functions: [{ config: { ...configs.proj, ...config }, handlerFile: handler(file), env }],
    head: async () => ({ size: 3, etag: '"abc"' }),
    seed: 1,
    timeScale: 1 / 300,
    concurrency: 2,
    ...rest,
  });
  sims.push(sim);
  await sim.start();
  return sim;
}

const written = (key: string, bucket = EXPORT_BUCKET): ObjectWritten => ({
  bucket,
  key,
  versionId: `v-${key}`,
  reason: 'PutObject',
});
const recordFile = () => path.join(fs.mkdtempSync(path.join(dir, 'r-')), 'records.jsonl');
const records = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe('the configuration read from the synthesized stack', () => {
  test('is the function, its retries and its rule as deployed', () => {
    expect(configs.proj).toMatchObject({
      name: 'export_proj-move',
      handler: 'index.handler',
      region: 'eu-west-1',
      account: '593291632749',
      timeoutSeconds: 900,
      memoryMb: 1024,
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 6 * 3600,
      env: expect.objectContaining({ DATASET: 'proj', KEEP_FILES: 'false' }),
    });
  });

  test('is read the same from the cdk.tf.json synth wrote', () => {
    expect(functionConfig(readStack(synthesized.outdir, 'push-proj'))).toEqual(configs.proj);
  });

  test.each([
    ['proj/x', ['proj']],
    ['proj/sub/dir/file.csv', ['proj']],
    ['.exporter-state/proj/0123abcd.json', ['proj']],
    ['proj_2/x', ['proj_2']],
    ['proj2/x', ['proj2']],
    ['.exporter-state/proj_2/0123abcd.json', ['proj_2']],
    ['other/x', []],
    ['projx', []],
  ])('%s goes to the rules of %j', (key, datasets) => {
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: EXPORT_BUCKET }, object: { key } },
    };
    const got = Object.entries(configs)
      .filter(([, c]) => matches(c.pattern, event))
      .map(([d]) => d);
    expect(got).toEqual(datasets);
  });

  test('events of another bucket, source or type match no rule', () => {
    const base = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: EXPORT_BUCKET }, object: { key: 'proj/x' } },
    };
    expect(matches(configs.proj.pattern, base)).toBe(true);
    expect(matches(configs.proj.pattern, { ...base, detail: { ...base.detail, bucket: { name: 'elsewhere' } } })).toBe(
      false,
    );
    expect(matches(configs.proj.pattern, { ...base, 'detail-type': 'Object Deleted' })).toBe(false);
    expect(matches(configs.proj.pattern, { ...base, source: 'aws.s4' })).toBe(false);
    expect(matches(configs.proj.pattern, { source: 'aws.s3' })).toBe(false);
  });

  test('arrays in the event match when one element does; operators not simulated throw', () => {
    expect(matches({ tags: ['a'] }, { tags: ['b', 'a'] })).toBe(true);
    expect(matches({ d: { k: [{ prefix: 'p/' }] } }, { d: { k: 'q/x' } })).toBe(false);
    for (const p of [
      { k: [{ suffix: '.csv' }] },
      { k: [{ prefix: 'a', suffix: 'b' }] },
      { k: [3] },
      { $or: [] },
      { k: 'a' },
    ]) {
      expect(() => matches(p as unknown as EventPattern, { k: 'a' })).toThrow(/not simulated|expected an object/);
    }
  });
});

describe('delivery', () => {
  test('an event is S3\'s "Object Created", and the context and environment are Lambda\'s', async () => {
    const file = recordFile();
    process.env.LAMBDA_SIM_LEAK_CHECK = 'leaked';
    const sim = await simOf('record.js', {
      env: { RECORD_FILE: file, EXTRA: 'x' },
      head: async (w) => ({ size: 42, etag: `"etag-of-${w.key}"` }),
      rates: { formEncodedKey: 1 },
    });
    sim.objectWritten({ ...written('proj/a b+c.csv'), reason: 'CompleteMultipartUpload' });
    await sim.drain(10_000);
    delete process.env.LAMBDA_SIM_LEAK_CHECK;
    const [r] = records(file);
    expect(r.event).toMatchObject({
      version: '0',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '593291632749',
      region: 'eu-west-1',
      resources: [`arn:aws:s3:::${EXPORT_BUCKET}`],
      detail: {
        bucket: { name: EXPORT_BUCKET },
        object: { key: 'proj/a+b%2Bc.csv', size: 42, etag: 'etag-of-proj/a b+c.csv', 'version-id': 'v-proj/a b+c.csv' },
        reason: 'CompleteMultipartUpload',
      },
    });
    expect(r.event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.arn).toBe('arn:aws:lambda:eu-west-1:593291632749:function:export_proj-move');
    expect(r.name).toBe('export_proj-move');
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // 900 s × 1/300 = 3 s, counting down from the start of the invocation.
    expect(r.remaining).toBeLessThanOrEqual(3000);
    expect(r.remaining).toBeGreaterThan(2000);
    expect(r.env).toEqual({ memory: '1024', region: 'eu-west-1', dataset: 'proj', extra: 'x' });
    expect(sim.stats()).toMatchObject({ events: 1, deliveries: 1, invocations: 1, formEncoded: 1, failures: 0 });
  });

  test('a version gone before the HeadObject (or a HeadObject that fails) still gets its event, without size and ETag', async () => {
    const file = recordFile();
    const sim = await simOf('record.js', {
      env: { RECORD_FILE: file },
      head: async (w) => {
        if (w.key.endsWith('fails')) throw new Error('no route to host');
        return undefined;
      },
    });
    sim.objectWritten(written('proj/gone'));
    sim.objectWritten(written('proj/head-fails'));
    sim.objectWritten({ ...written('proj/stated'), size: 7, etag: 'given' });
    await sim.drain(10_000);
    const objects = records(file).map((r) => r.event.detail.object);
    expect(objects).toHaveLength(3);
    expect(objects.find((o) => o.key === 'proj/gone')).not.toHaveProperty('size');
    expect(objects.find((o) => o.key === 'proj/head-fails')).not.toHaveProperty('etag');
    expect(objects.find((o) => o.key === 'proj/stated')).toMatchObject({ size: 7, etag: 'given' });
    expect(sim.stats()).toMatchObject({ events: 3, headMissing: 2 });
  });

  test('every rule that matches gets the event, and only those', async () => {
    const file = recordFile();
    const sim = new LambdaSim({
      functions: ['proj', 'proj2', 'proj_2'].map((d) => ({
        config: configs[d],
        handlerFile: handler('record.js'),
        env: { RECORD_FILE: file },
      })),
      head: async () => ({ size: 1, etag: 'e' }),
      seed: 3,
      concurrency: 1,
    });
    sims.push(sim);
    await sim.start();
    for (const key of ['proj/x', '.exporter-state/proj/p.json', 'proj_2/x', 'other/x']) sim.objectWritten(written(key));
    sim.objectWritten(written('proj/x', 'another-bucket'));
    await sim.drain(10_000);
    const got = records(file)
      .map((r) => `${r.fn} ${r.event.detail.object.key}`)
      .sort();
    expect(got).toEqual([
      'export_proj-move .exporter-state/proj/p.json',
      'export_proj-move proj/x',
      'export_proj_2-move proj_2/x',
    ]);
    expect(sim.stats()).toMatchObject({ events: 5, deliveries: 3 });
  });

  test('sequencers follow the order of the writes under right-padded comparison, though their lengths differ', async () => {
    const seen: InvocationRecord[] = [];
    const sim = await simOf('record.js', {
      env: { RECORD_FILE: recordFile() },
      onInvocation: (r) => seen.push(r),
      concurrency: 4,
    });
    const keys = Array.from({ length: 40 }, (_, i) => `proj/seq/${i}`);
    for (const key of keys) sim.objectWritten(written(key));
    await sim.drain(20_000);
    const sequencers = keys.map((k) => seen.find((r) => r.key === k)!.sequencer);
    expect(new Set(sequencers.map((s) => s.length)).size).toBeGreaterThan(1);
    for (const s of sequencers) expect(s).toMatch(/^[0-9A-F]+$/);
    for (let i = 1; i < sequencers.length; i++) expect(compareSequencers(sequencers[i - 1], sequencers[i])).toBe(-1);
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E5')).toBe(0);
    expect(compareSequencers('00617F0829930001', '00617F082993')).toBe(1);
  });

  test('duplicates and late deliveries happen at the given rates, the same for the same seed', async () => {
    async function run(seed: number) {
      const file = recordFile();
      const sim = await simOf('record.js', {
        seed,
        env: { RECORD_FILE: file },
        rates: { duplicate: 0.3, late: 0.2, formEncodedKey: 0.5 },
        lateMs: [30, 120],
        concurrency: 1,
      });
      for (let i = 0; i < 60; i++) sim.objectWritten(written(`proj/rates/${i}`));
      await sim.drain(30_000);
      const order = records(file).map((r) => r.event.detail.object.sequencer as string);
      await sim.stop();
      return { stats: sim.stats(), order, sim };
    }
    const first = await run(42);
    const { stats } = first;
    expect(stats.events).toBe(60);
    expect(stats.deliveries).toBe(60 + stats.duplicates);
    expect(stats.invocations).toBe(stats.deliveries);
    expect(first.order).toHaveLength(stats.deliveries);
    expect(stats.duplicates).toBeGreaterThanOrEqual(8);
    expect(stats.duplicates).toBeLessThanOrEqual(30);
    expect(stats.late).toBeGreaterThanOrEqual(8);
    expect(stats.late).toBeLessThanOrEqual(40);
    expect(stats.formEncoded).toBeGreaterThanOrEqual(15);
    expect(stats.formEncoded).toBeLessThanOrEqual(45);
    // Delivered in arrival order (one worker): an event overtaken by a later write was a late (or a second) delivery.
    const overtaken = first.order.filter((s, i) =>
      first.order.slice(0, i).some((earlier) => compareSequencers(earlier, s) > 0),
    );
    expect(overtaken.length).toBeGreaterThan(0);
    expect(overtaken.length).toBeLessThanOrEqual(stats.late + stats.duplicates);
    const again = await run(42);
    expect(again.stats).toEqual(stats);
    expect(() => again.sim.setRates({ duplicate: 1.5 })).toThrow(/rates.duplicate must be a probability/);
  });

  test('concurrent duplicates run at the same time', async () => {
    const seen: InvocationRecord[] = [];
    const sim = await simOf('record.js', {
      env: { RECORD_FILE: recordFile(), SLOW_MS: '300' },
      rates: { duplicate: 1, concurrentDuplicate: 1 },
      concurrency: 2,
      onInvocation: (r) => seen.push(r),
    });
    sim.objectWritten(written('proj/twice'));
    await sim.drain(10_000);
    expect(seen).toHaveLength(2);
    const [a, b] = seen;
    expect(a.event.id).toBe(b.event.id);
    expect(a.requestId).not.toBe(b.requestId);
    // Each ran 300 ms; overlapping means both started before either ended.
    expect(Math.max(a.startedAt, b.startedAt)).toBeLessThan(
      Math.min(a.startedAt + a.durationMs, b.startedAt + b.durationMs),
    );
  });
});

describe('asynchronous invocation', () => {
  const flaky = (failTimes: number) => ({
    ATTEMPTS_FILE: path.join(fs.mkdtempSync(path.join(dir, 'a-')), 'attempts'),
    FAIL_TIMES: String(failTimes),
  });

  test('a failed attempt is retried after one minute, then two (scaled), with the same request id', async () => {
    const seen: InvocationRecord[] = [];
    const sim = await simOf('flaky.js', { env: flaky(2), timeScale: 1 / 100, onInvocation: (r) => seen.push(r) });
    sim.objectWritten(written('proj/flaky'));
    await sim.drain(10_000);
    expect(seen.map((r) => [r.attempt, r.ok, r.error?.message])).toEqual([
      [1, false, 'attempt 1 failed'],
      [2, false, 'attempt 2 failed'],
      [3, true, undefined],
    ]);
    expect(new Set(seen.map((r) => r.requestId)).size).toBe(1);
    const gap = (i: number) => seen[i].startedAt - (seen[i - 1].startedAt + seen[i - 1].durationMs);
    expect(gap(1)).toBeGreaterThanOrEqual(600 - 5);
    expect(gap(2)).toBeGreaterThanOrEqual(1200 - 5);
    expect(gap(2)).toBeLessThan(1200 + 1000);
    expect(sim.stats()).toMatchObject({ invocations: 3, failures: 2, retries: 2, deadLetters: 0 });
    expect(sim.deadLetters()).toEqual([]);
  });

  test('after maximumRetryAttempts retries the event is dead-lettered with the last error', async () => {
    const sim = await simOf('flaky.js', { env: flaky(99) });
    sim.objectWritten(written('proj/always-fails'));
    await sim.drain(10_000);
    expect(sim.deadLetters()).toEqual([
      expect.objectContaining({
        functionName: 'export_proj-move',
        condition: 'RetriesExhausted',
        attempts: 3,
        key: 'proj/always-fails',
        error: { type: 'Error', message: 'attempt 3 failed' },
      }),
    ]);
    expect(sim.stats()).toMatchObject({ invocations: 3, failures: 3, retries: 2, deadLetters: 1, expired: 0 });

    const once = await simOf('flaky.js', { env: flaky(99), config: { maximumRetryAttempts: 0 } });
    once.objectWritten(written('proj/no-retries'));
    await once.drain(10_000);
    expect(once.deadLetters()).toMatchObject([{ attempts: 1, error: { message: 'attempt 1 failed' } }]);
  });

  test('an event older than the maximum age is not retried but dead-lettered as expired', async () => {
    // 30 s × 1/300 = 100 ms of age, less than the first retry's 200 ms.
    const sim = await simOf('flaky.js', { env: flaky(99), config: { maximumEventAgeSeconds: 30 } });
    sim.objectWritten(written('proj/too-old'));
    await sim.drain(10_000);
    expect(sim.deadLetters()).toMatchObject([
      { condition: 'EventAgeExceeded', attempts: 1, error: { message: 'attempt 1 failed' } },
    ]);
    expect(sim.stats()).toMatchObject({ invocations: 1, failures: 1, retries: 0, deadLetters: 1, expired: 1 });
  });

  test('an invocation past the timeout is killed, its worker replaced, and it counts as a failed attempt', async () => {
    const logs: string[] = [];
    const sim = await simOf('hang.js', { functionTimeoutMs: 300, concurrency: 1, onLog: (_, line) => logs.push(line) });
    sim.objectWritten(written('proj/hangs'));
    await sim.drain(15_000);
    expect(sim.deadLetters()).toMatchObject([
      {
        condition: 'RetriesExhausted',
        attempts: 3,
        error: { type: 'Sandbox.Timedout', message: 'Task timed out after 0.30 seconds' },
      },
    ]);
    expect(sim.stats()).toMatchObject({ invocations: 3, failures: 3, crashes: 0 });
    // One worker: each attempt after a kill ran in a new process.
    expect(new Set(logs.filter((l) => l.startsWith('hanging in'))).size).toBe(3);
  });

  test('a crash kills the worker at a random moment; it is counted, and the event retried', async () => {
    const logs: string[] = [];
    const seen: InvocationRecord[] = [];
    const sim = await simOf('hang.js', {
      functionTimeoutMs: 2000,
      concurrency: 1,
      rates: { crash: 1 },
      onLog: (_, line) => logs.push(line),
      onInvocation: (r) => seen.push(r),
    });
    sim.objectWritten(written('proj/crashes'));
    await sim.drain(20_000);
    expect(sim.deadLetters()).toMatchObject([
      { attempts: 3, error: { type: 'Runtime.ExitError', message: 'Runtime exited with signal: killed' } },
    ]);
    expect(sim.stats()).toMatchObject({ invocations: 3, failures: 3, crashes: 3, retries: 2 });
    expect(new Set(logs.filter((l) => l.startsWith('hanging in'))).size).toBe(3);
    for (const r of seen) expect(r.durationMs).toBeLessThan(2000);
    expect(new Set(seen.map((r) => Math.round(r.durationMs / 20))).size).toBeGreaterThan(1);
  });

  test('crashWithinMs narrows the moment a crash may come', async () => {
    const sim = await simOf('record.js', {
      env: { RECORD_FILE: recordFile(), SLOW_MS: '200' },
      functionTimeoutMs: 60_000,
      crashWithinMs: 100,
      rates: { crash: 1 },
      config: { maximumRetryAttempts: 0 },
    });
    for (let i = 0; i < 3; i++) sim.objectWritten(written(`proj/crash-soon/${i}`));
    await sim.drain(10_000);
    expect(sim.stats()).toMatchObject({ invocations: 3, crashes: 3, deadLetters: 3 });
  });

  test('a crash planned for after the invocation ends does not happen and is not counted', async () => {
    const sim = await simOf('record.js', {
      env: { RECORD_FILE: recordFile() },
      functionTimeoutMs: 60_000,
      rates: { crash: 1 },
    });
    for (let i = 0; i < 5; i++) sim.objectWritten(written(`proj/fast/${i}`));
    await sim.drain(10_000);
    expect(sim.stats()).toMatchObject({ invocations: 5, failures: 0, crashes: 0 });
  });

  test('redrive sends the dead letters again as new deliveries and clears the list', async () => {
    const seen: InvocationRecord[] = [];
    const sim = await simOf('flaky.js', { env: flaky(3), onInvocation: (r) => seen.push(r) });
    sim.objectWritten(written('proj/redriven'));
    await sim.drain(10_000);
    expect(sim.deadLetters()).toHaveLength(1);
    await sim.redrive();
    expect(sim.deadLetters()).toEqual([]);
    await sim.drain(10_000);
    expect(sim.deadLetters()).toEqual([]);
    expect(seen.map((r) => [r.attempt, r.ok])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [1, true],
    ]);
    expect(seen[3].event).toEqual(seen[0].event);
    expect(seen[3].requestId).not.toBe(seen[0].requestId);
    expect(sim.stats()).toMatchObject({ deliveries: 2, redriven: 1, deadLetters: 1 });
  });

  test('drain gives up after its timeout, saying what is still pending', async () => {
    const sim = await simOf('hang.js', { functionTimeoutMs: 1500, config: { maximumRetryAttempts: 0 } });
    sim.objectWritten(written('proj/hang-beyond-drain'));
    await expect(sim.drain(300)).rejects.toThrow(
      /^not drained after 300 ms: 1 running; export_proj-move proj\/hang-beyond-drain running for \d+ ms after 1 attempt/,
    );
    await sim.drain(10_000);
    expect(sim.deadLetters()).toMatchObject([{ error: { type: 'Sandbox.Timedout' } }]);
  });
});

const s3 = suiteS3();
(s3 ? describe : describe.skip)('the bundled exporter in the simulation', () => {
  const buckets = s3 ? new Buckets(s3) : (undefined as never);
  const ledgerBucket = uniqueName('ledger');
  let config: FunctionConfig;
  let script: string;

  beforeAll(async () => {
    await buckets.create();
    // The exporter being written keeps a ledger in an unversioned bucket; one more variable is harmless before that.
    await buckets.exporter.send(new CreateBucketCommand({ Bucket: ledgerBucket }));
    // The stack's own rule, for a stack whose export bucket is this test's.
    const { stacks } = synthesize([FIXTURE_DATASETS], { HUB_EXPORTS_EXPORT_BUCKET: buckets.exportBucket });
    config = functionConfig(stacks['push-proj']);
    const unzipped = unzipSync(fs.readFileSync(exporterArtifact().zipPath));
    const bundleDir = fs.mkdtempSync(path.join(dir, 'bundle-'));
    for (const [name, bytes] of Object.entries(unzipped)) fs.writeFileSync(path.join(bundleDir, name), bytes);
    script = path.join(bundleDir, 'index.js');
  });
  afterAll(async () => {
    const listed = await buckets.exporter.send(new ListObjectsV2Command({ Bucket: ledgerBucket }));
    if (listed.Contents?.length) {
      await buckets.exporter.send(
        new DeleteObjectsCommand({
          Bucket: ledgerBucket,
          Delete: { Objects: listed.Contents.map((o) => ({ Key: o.Key! })) },
        }),
      );
    }
    await buckets.exporter.send(new DeleteBucketCommand({ Bucket: ledgerBucket }));
    await buckets.destroy();
  });

  test("moves what is written under proj/ to the receiver, through the stack's own rule", async () => {
    const logs: string[] = [];
    const sim = new LambdaSim({
      functions: [
        {
          config,
          handlerFile: script,
          env: {
            TARGET_BUCKET: buckets.receiverBucket,
            LEDGER_BUCKET: ledgerBucket,
            AWS_ENDPOINT_URL_S3: s3!.endpoint,
            AWS_ACCESS_KEY_ID: s3!.exporter.accessKeyId,
            AWS_SECRET_ACCESS_KEY: s3!.exporter.secretAccessKey,
            AWS_REGION: 'us-east-1',
            EXPORTER_PRINCIPAL: s3!.exporter.principal,
          },
        },
      ],
      head: async (w) => {
        const out = await buckets.exporter.send(
          new HeadObjectCommand({ Bucket: w.bucket, Key: w.key, VersionId: w.versionId }),
        );
        return { size: out.ContentLength!, etag: out.ETag! };
      },
      seed: 7,
      timeScale: 1 / 300,
      onLog: (_, line) => logs.push(line),
    });
    sims.push(sim);
    await sim.start();
    const bodies = ['a.csv', 'b c.csv', 'sub/d.bin'].map((name) => ({
      key: `proj/sim/${name}`,
      body: bytesOf(100 + name.length),
    }));
    for (const { key, body } of bodies) {
      const up = await buckets.upload(key, body);
      sim.objectWritten({ bucket: buckets.exportBucket, key, versionId: up.versionId, reason: 'PutObject' });
    }
    await sim.drain(30_000);
    // Should anything fail, the exporter's own error message is what the diff shows.
    expect(sim.deadLetters().map((d) => `${d.key}: ${d.error.message}`)).toEqual([]);
    for (const { key, body } of bodies) {
      expect(Buffer.from((await buckets.received(key)).body)).toEqual(body);
    }
    expect(await buckets.versions('export', 'proj/')).toEqual([]);
    const outcomes = logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).outcome);
    expect(outcomes.filter((o) => o === 'moved')).toHaveLength(3);
    expect(sim.stats()).toMatchObject({ events: 3, deliveries: 3, failures: 0 });
  });
});
