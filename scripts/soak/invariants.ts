import { handoverPrefix, receiptPrefix } from '../../naming';
import { isFinal, readReceipts } from './receipts';
import type { PlannedUpload } from './workload';
import { SOAK_DATASETS } from './workload';
import type { SoakWorld } from './world';

/** What the soak found, checked by clients that bypass the proxy. Every count must be zero. */
export interface Findings {
  /** Keys whose receiver holds nothing, or an older upload's bytes: the newest upload is not there. */
  readonly lost: number;
  /** Keys whose receiver holds bytes that no upload of the key had. */
  readonly corrupted: number;
  /** Versions deleted before their bytes or a newer upload's reached the receiver, or deleted from keep_files. */
  readonly wronglyDeleted: number;
  /** Versions left in the export bucket of a moving dataset, or missing from a keep_files one. */
  readonly leftOver: number;
  readonly incompleteUploads: number;
  /** Handovers of long transfers still in the export bucket. */
  readonly handoversLeft: number;
  /**
   * Uploads without a receipt of their final outcome (or deleted before it was written), and receipts that are not
   * valid against schemas/receipt.schema.json.
   */
  readonly unreceipted: number;
  /** Uploads with more than one final receipt, or receipts written over (more versions than receipts). */
  readonly duplicateReceipts: number;
  /**
   * Requests the exporter sent without naming its bucket's owner as the stacks configure it (ExpectedBucketOwner, and
   * ExpectedSourceBucketOwner on copies), or naming another: on AWS the first would reach a bucket of any account.
   */
  readonly unpinned: number;
  /** What each count is about, for a person (at most a few of each kind). */
  readonly problems: readonly string[];
}

/** Records a problem for a person; only the first few of a run are kept. */
type Note = (problem: string) => void;

/** The invariants of issue 11, over every key of the workload. */
export async function checkInvariants(world: SoakWorld, plan: readonly PlannedUpload[]): Promise<Findings> {
  const problems: string[] = [
    ...world.wrongDeletes.slice(0, 5),
    ...world.unreceipted.slice(0, 5).map((p) => `unreceipted: ${p}`),
    ...world.unpinned.map((p) => `unpinned: ${p}`),
  ];
  const note: Note = (p) => void (problems.length < 40 && problems.push(p));
  const { lost, corrupted } = await checkReceivers(world, note);
  if (world.keys.size !== new Set(plan.map((u) => u.key)).size) note('not every planned key was uploaded');
  const { leftOver, missing, handoversLeft } = await checkExportBucket(world, note);
  const incompleteUploads = await checkIncompleteUploads(world, note);
  const { unreceipted, duplicateReceipts } = await checkReceipts(world, note);
  return {
    lost,
    corrupted,
    wronglyDeleted: world.wrongDeletes.length + missing,
    leftOver,
    incompleteUploads,
    handoversLeft,
    unreceipted: unreceipted + world.unreceipted.length,
    duplicateReceipts,
    unpinned: world.unpinnedCount,
    problems,
  };
}

/** Each key's receiver must hold its newest upload's bytes: not nothing or an older upload's (lost), nor others. */
async function checkReceivers(world: SoakWorld, note: Note): Promise<{ lost: number; corrupted: number }> {
  let lost = 0;
  let corrupted = 0;
  for (const [key, history] of world.keys) {
    const now = await world.received(history.dataset, key);
    const newest = history.uploads[history.uploads.length - 1];
    if (now === newest.sha256) continue;
    if (now === undefined || history.uploads.some((u) => u.sha256 === now)) {
      lost++;
      note(`lost: ${key}: the receiver holds ${now ? 'an older upload' : 'nothing'}`);
    } else {
      corrupted++;
      note(`corrupted: ${key}: the receiver holds bytes no upload had`);
    }
  }
  return { lost, corrupted };
}

/**
 * Per dataset, the export bucket must hold no version of a moving dataset (left over) and every version of a
 * keep_files one (missing ones were wrongly deleted), and no handovers of long transfers.
 */
async function checkExportBucket(world: SoakWorld, note: Note) {
  let leftOver = 0;
  let missing = 0;
  let handoversLeft = 0;
  const keep = new Set(world.functions.filter((f) => f.env.KEEP_FILES === 'true').map((f) => f.env.DATASET));
  for (const { name } of SOAK_DATASETS) {
    const versions = await world.versions(world.exportBucket, `${name}/`);
    if (keep.has(name)) {
      const present = new Set(versions.map((v) => v.versionId));
      for (const [key, h] of world.keys) {
        if (h.dataset !== name) continue;
        for (const u of h.uploads.filter((x) => !present.has(x.versionId))) {
          missing++;
          note(`keep_files lost a version: ${key} (${u.versionId})`);
        }
      }
    } else {
      leftOver += versions.length;
      for (const v of versions.slice(0, 5)) note(`left over in the export bucket: ${v.key} (${v.versionId})`);
    }
    const handovers = await world.versions(world.exportBucket, handoverPrefix(name));
    handoversLeft += handovers.length;
    for (const v of handovers.slice(0, 3)) note(`handover left: ${v.key}`);
  }
  return { leftOver, missing, handoversLeft };
}

/** No receiving bucket may be left with a multipart upload open. */
async function checkIncompleteUploads(world: SoakWorld, note: Note): Promise<number> {
  let incompleteUploads = 0;
  for (const bucket of Object.values(world.receivers)) {
    const open = await world.incompleteUploads(bucket);
    incompleteUploads += open.length;
    for (const u of open.slice(0, 5)) note(`incomplete upload in s3://${bucket}: ${u}`);
  }
  return incompleteUploads;
}

/**
 * Every upload of the workload has exactly one receipt of its final outcome (moved, copied, already there or
 * superseded), whatever the faults and retries; every receipt is valid; none was written over.
 */
async function checkReceipts(
  world: SoakWorld,
  note: Note,
): Promise<{ unreceipted: number; duplicateReceipts: number }> {
  let unreceipted = 0;
  let duplicateReceipts = 0;
  for (const { name } of SOAK_DATASETS) {
    const read = await readReceipts(world.analyst, world.exportBucket, name);
    for (const bad of read.filter((r) => 'invalid' in r).slice(0, 3)) note(`invalid receipt ${bad.key}`);
    unreceipted += read.filter((r) => 'invalid' in r).length;
    const finals = new Map<string, number>();
    for (const r of read.filter(isFinal)) {
      const at = `${r.receipt.key} (${r.receipt.version})`;
      finals.set(at, (finals.get(at) ?? 0) + 1);
    }
    for (const [key, h] of world.keys) {
      if (h.dataset !== name) continue;
      for (const u of h.uploads) {
        const n = finals.get(`${key} (${u.versionId})`) ?? 0;
        if (n === 1) continue;
        if (n === 0) unreceipted++;
        else duplicateReceipts += n - 1;
        note(`${n === 0 ? 'no receipt' : `${n} receipts`} for ${key} (${u.versionId})`);
      }
    }
    const overwritten = (await world.versions(world.exportBucket, receiptPrefix(name))).length - read.length;
    duplicateReceipts += overwritten;
    if (overwritten > 0) note(`${overwritten} receipts of ${name} written over`);
  }
  return { unreceipted, duplicateReceipts };
}
