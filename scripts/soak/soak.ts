import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { RECEIPTS_ROOT } from '../../naming';
import { bundleLambda } from '../../packaging/lambda-bundle';
import { CreateOnly } from './create-only';
import { ownerRefusal } from './expected-owner';
import { DEFAULT_RATES, FaultProxy, NO_FAULTS, type FaultCounts, type FaultRates, type ProxiedRequest } from './fault-proxy';
import { LambdaSim, type DeliveryRates, type ObjectWritten, type SimStats } from './lambda-sim';
import { checkInvariants, type Findings } from './invariants';
import { SoakWorld } from './world';
import { bodyOf, LONG_FOLDER, planWorkload, type PlannedUpload } from './workload';

/** The delivery faults of the default run: at least once, in any order, and some crashes. */
export const DEFAULT_DELIVERY: Partial<DeliveryRates> = {
  duplicate: 0.1,
  concurrentDuplicate: 0.3,
  late: 0.05,
  crash: 0.02,
  formEncodedKey: 0.3,
};
const NO_DELIVERY_FAULTS: Partial<DeliveryRates> = { duplicate: 0, concurrentDuplicate: 0, late: 0, crash: 0 };

export interface SoakOptions {
  readonly objects: number;
  readonly seed: number;
  /** S3 faults the proxy injects between the exporter and the server; default DEFAULT_RATES. */
  readonly faults?: Partial<FaultRates>;
  /** EventBridge and Lambda faults; default DEFAULT_DELIVERY. */
  readonly delivery?: Partial<DeliveryRates>;
  /** The bundled handler to drive; default the exporter's own bundle (a test passes a broken one). */
  readonly handlerFile?: string;
  /** Simulated Lambda time limit; default 6 s, so long transfers hand over. */
  readonly functionTimeoutMs?: number;
  /** The exporter's CLAIM_TTL_MS; default 3 s. */
  readonly claimTtlMs?: number;
  /** More environment for the functions (the broken exporters of the soak's own test read BROKEN_MODE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Analysts uploading at once; default 8. */
  readonly uploaders?: number;
  /** Progress lines while it runs. */
  readonly say?: (line: string) => void;
}

export interface SoakReport extends Findings {
  readonly seed: number;
  readonly objects: number;
  readonly uploads: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly objectsPerSecond: number;
  readonly faults: FaultCounts;
  readonly delivery: SimStats;
  readonly deadLettersBefore: number;
  readonly deadLettersAfter: number;
  /** The exporter's log lines by outcome, over every invocation. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly pass: boolean;
}

/** The exporter as `npm run synth` deploys it: the zip's index.js, written where a worker can require it. */
export function bundledExporter(entry = 'functions/exporter/handler.ts'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-soak-'));
  const artifact = bundleLambda({ entry, projectRoot: path.resolve(__dirname, '../..'), outDir: dir });
  const file = path.join(dir, 'index.js');
  fs.writeFileSync(file, unzipSync(fs.readFileSync(artifact.zipPath))['index.js']);
  return file;
}

/**
 * One soak run: the workload uploaded by analysts straight to the server, its events delivered by the simulated
 * EventBridge to the bundled exporter, whose every S3 request goes through the fault proxy; then, with faults off, one
 * redrive of the dead letters; then the invariants, checked by clients that bypass the proxy.
 */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const say = o.say ?? (() => undefined);
  const world = await SoakWorld.create(o.seed);
  const outcomes: Record<string, number> = {};
  let proxy: FaultProxy | undefined;
  let sim: LambdaSim | undefined;
  try {
    const claimTtlMs = o.claimTtlMs ?? 3_000;
    const handlerFile = o.handlerFile ?? bundledExporter();
    proxy = faultProxy(world, o, (w) => sim?.objectWritten(w));
    const endpoint = await proxy.start();
    sim = lambdaSim(world, o, { handlerFile, endpoint, claimTtlMs, outcomes });
    await sim.start();
    const plan = planWorkload({ objects: o.objects, seed: o.seed });
    say(`soak: seed ${o.seed}, ${o.objects} objects (${plan.length} uploads), faults ${JSON.stringify(proxy.counts())}`);
    const run = await deliverAndRedrive(world, plan, proxy, sim, { claimTtlMs, uploaders: o.uploaders ?? 8, say });
    const findings = await checkInvariants(world, plan);
    for (const d of sim.deadLetters().slice(0, 5)) {
      (findings.problems as string[]).push(`dead letter: ${d.key} (${d.condition}): ${d.error.message.slice(0, 300)}`);
    }
    return {
      ...findings,
      seed: o.seed,
      objects: o.objects,
      uploads: plan.length,
      bytes: run.bytes,
      seconds: run.seconds,
      objectsPerSecond: plan.length / run.seconds,
      faults: proxy.counts(),
      delivery: sim.stats(),
      deadLettersBefore: run.deadLettersBefore,
      deadLettersAfter: run.deadLettersAfter,
      outcomes,
      pass: passes(findings, run.deadLettersAfter),
    };
  } finally {
    await sim?.stop();
    await proxy?.stop();
    await world.destroy();
  }
}

/**
 * The proxy between the exporter and the server: S3's faults, S3's bucket owner condition, and the checks made just
 * before S3 sees a request. Each write S3 applied to the export bucket goes on to `written`, as S3's event would.
 */
function faultProxy(world: SoakWorld, o: SoakOptions, written: (w: ObjectWritten) => void): FaultProxy {
  // S3's create-only write, which RGW lacks in a versioned bucket, emulated for receipts (create-only.ts).
  const createOnly = new CreateOnly((bucket, key) => bucket === world.exportBucket && key.startsWith(RECEIPTS_ROOT));
  return new FaultProxy({
    upstream: world.s3.endpoint,
    seed: o.seed,
    rates: o.faults ?? DEFAULT_RATES,
    onWrite: (w) => {
      createOnly.observe(w);
      if (w.bucket !== world.exportBucket) return;
      written({ bucket: w.bucket, key: w.key, versionId: w.versionId, reason: w.operation });
    },
    // S3's bucket owner condition, which RGW lacks, emulated (expected-owner.ts); and every request checked for it.
    answerInstead: (req) => {
      world.checkOwner(req);
      return ownerRefusal(world.accounts, req) ?? createOnly.refusal(req);
    },
    beforeForward: (req) => world.checkDelete(req) ?? slowLongParts(req),
  });
}

/** What one run's functions share: the handler they load, the proxy they reach S3 through, where outcomes count. */
interface RunSetup {
  readonly handlerFile: string;
  readonly endpoint: string;
  readonly claimTtlMs: number;
  readonly outcomes: Record<string, number>;
}

/** The simulated EventBridge and Lambda around the handler, each function configured as its stack deploys it. */
function lambdaSim(world: SoakWorld, o: SoakOptions, run: RunSetup): LambdaSim {
  return new LambdaSim({
    functions: world.functions.map((config) => ({
      config,
      handlerFile: run.handlerFile,
      env: { ...world.functionEnv(config, run.endpoint, run.claimTtlMs), ...o.env },
    })),
    head: (w) => world.head(w.key, w.versionId),
    seed: o.seed,
    rates: o.delivery ?? DEFAULT_DELIVERY,
    // Retries after 1.2 s and 2.4 s, events kept 7 minutes: real Lambda scales out where these few workers queue,
    // so a shorter age would expire events that are merely waiting for a worker.
    timeScale: 1 / 50,
    functionTimeoutMs: o.functionTimeoutMs ?? 6_000,
    crashWithinMs: 1_500,
    lateMs: [200, 2_000],
    concurrency: 4,
    onLog: (_fn, line) => countOutcome(run.outcomes, line),
  });
}

/** The workload delivered with faults on; then, with them off, one redrive of what was dead-lettered. */
async function deliverAndRedrive(
  world: SoakWorld,
  plan: PlannedUpload[],
  proxy: FaultProxy,
  sim: LambdaSim,
  o: { readonly claimTtlMs: number; readonly uploaders: number; readonly say: (line: string) => void },
) {
  const t0 = Date.now();
  const bytes = await upload(world, plan, sim, o.uploaders, o.say);
  await sim.drain(15 * 60_000);
  const seconds = (Date.now() - t0) / 1000;
  const deadLettersBefore = sim.deadLetters().length;
  o.say(`soak: delivered in ${seconds.toFixed(1)} s; ${deadLettersBefore} dead letters; redriving with faults off`);
  proxy.setRates(NO_FAULTS);
  sim.setRates(NO_DELIVERY_FAULTS);
  // Claims of crashed invocations must have died before their keys can be written again.
  await new Promise((r) => setTimeout(r, o.claimTtlMs + 500));
  await sim.redrive();
  await sim.drain(5 * 60_000);
  return { bytes, seconds, deadLettersBefore, deadLettersAfter: sim.deadLetters().length };
}

/** Every count of the invariants, and the dead letters left after the redrive, must be zero. */
function passes(f: Findings, deadLettersAfter: number): boolean {
  const bad =
    f.lost +
    f.corrupted +
    f.wronglyDeleted +
    f.leftOver +
    f.incompleteUploads +
    f.handoversLeft +
    f.unreceipted +
    f.duplicateReceipts +
    f.unpinned;
  return bad + deadLettersAfter === 0;
}

/**
 * A slow network for long transfers only: each of their parts takes 600 ms more, so that with the simulated 6 s
 * limit they hand over (at half the time) to the next invocation, which is what the soak must exercise.
 */
function slowLongParts(req: ProxiedRequest): Promise<void> | undefined {
  if (req.method !== 'PUT' || !req.query.has('partNumber') || !req.key.includes(`/soak/${LONG_FOLDER}`)) return undefined;
  return new Promise((r) => setTimeout(r, 600));
}

/** The analysts: `uploaders` at once, a key's uploads one after the other, each one's event sent as S3 would. */
async function upload(world: SoakWorld, plan: PlannedUpload[], sim: LambdaSim, uploaders: number, say: (l: string) => void) {
  const groups: PlannedUpload[][] = [];
  for (const u of plan) (u.order === 0 ? groups.push([u]) : groups[groups.length - 1].push(u));
  let next = 0;
  let bytes = 0;
  let done = 0;
  const worker = async () => {
    while (next < groups.length) {
      for (const u of groups[next++]) {
        const { body, sha256 } = bodyOf(u.size);
        const out = await world.analyst.send(new PutObjectCommand({ Bucket: world.exportBucket, Key: u.key, Body: body }));
        world.uploaded(u, out.VersionId!, sha256);
        sim.objectWritten({ bucket: world.exportBucket, key: u.key, versionId: out.VersionId!, reason: 'PutObject', size: u.size, etag: out.ETag!.replace(/"/g, '') });
        bytes += u.size;
        if (++done % 500 === 0) say(`soak: ${done} of ${plan.length} uploaded`);
      }
    }
  };
  await Promise.all(Array.from({ length: uploaders }, worker));
  return bytes;
}

function countOutcome(outcomes: Record<string, number>, line: string): void {
  if (!line.startsWith('{')) return;
  try {
    const outcome = (JSON.parse(line) as { outcome?: string }).outcome;
    if (outcome) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  } catch {
    // not one of the exporter's lines
  }
}

/** The figures and the one-line verdict, as `npm run soak` prints them. */
export function formatReport(r: SoakReport): string {
  const faults = Object.entries(r.faults).map(([k, v]) => `${k} ${v}`).join(', ');
  const d = r.delivery;
  const outcomes = Object.entries(r.outcomes).sort().map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `seed ${r.seed}: ${r.objects} objects, ${r.uploads} uploads, ${(r.bytes / 1048576).toFixed(0)} MiB in ${r.seconds.toFixed(1)} s (${r.objectsPerSecond.toFixed(1)} uploads/s)`,
    `  lost ${r.lost}, corrupted ${r.corrupted}, wrongly deleted ${r.wronglyDeleted}, left over ${r.leftOver} versions, ${r.incompleteUploads} incomplete uploads, ${r.handoversLeft} handovers, ${r.unpinned} requests not naming their bucket's owner`,
    `  receipts: ${r.unreceipted} uploads without one (or deleted before it), ${r.duplicateReceipts} duplicated`,
    `  S3 faults injected: ${faults}`,
    `  deliveries ${d.deliveries}: duplicates ${d.duplicates}, late ${d.late}, crashes ${d.crashes}, form-encoded keys ${d.formEncoded}; invocations ${d.invocations}, failed ${d.failures}, retried ${d.retries}`,
    `  dead letters: ${r.deadLettersBefore} before redrive (${d.expired} too old when their turn came), ${r.deadLettersAfter} after`,
    `  exporter outcomes: ${outcomes}`,
    ...r.problems.slice(0, 10).map((p) => `  problem: ${p}`),
    `${r.pass ? 'PASS' : 'FAIL'}: seed ${r.seed}, ${r.lost} lost, ${r.corrupted} corrupted, ${r.wronglyDeleted} wrongly deleted, ${r.leftOver + r.incompleteUploads + r.handoversLeft} left over, ${r.unreceipted + r.duplicateReceipts} receipts amiss, ${r.unpinned} unpinned, ${r.deadLettersAfter} dead letters after redrive`,
  ].join('\n');
}
