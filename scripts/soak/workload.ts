import { createHash, randomBytes } from 'node:crypto';
import { Random } from './random';

const MiB = 1024 * 1024;

/** The datasets the soak exports to, as the fixture stacks define them: one of each way a dataset can move files. */
export const SOAK_DATASETS = [
  { name: 'proj', share: 0.6 }, // copy, move
  { name: 'proj2', share: 0.2 }, // transfer: stream, move
  { name: 'proj_2', share: 0.2 }, // keep_files
] as const;

/** One upload an analyst makes; `order` counts uploads of the same key (0 first). */
export interface PlannedUpload {
  readonly dataset: string;
  readonly key: string;
  readonly size: number;
  readonly order: number;
  /** Uploaded right after the previous upload of the same key: a quick overwrite. */
  readonly overwrite: boolean;
  readonly kind: 'empty' | 'folder' | 'small' | 'multipart' | 'long';
}

export interface WorkloadOptions {
  readonly objects: number;
  readonly seed: number;
  /** Share of keys uploaded a second time in quick succession; default 0.05. */
  readonly overwrites?: number;
}

/** Long transfers live here: the soak slows their parts down so that they outlast an invocation and hand over. */
export const LONG_FOLDER = 'long/';

/** Characters S3 keys carry that encodings get wrong: each appears in some keys. */
const AWKWARD = ['a b', 'plus+sign', '100%', 'k=v', 'at 12:30', 'ünïcødé ✓', 'mixed +%= :', 'plain'];

/**
 * Real use, by a seed: mostly small files, some empty, some folder markers, tens of multipart objects, a few long
 * enough to hand over; keys with spaces, `+`, `%`, `=`, `:` and unicode; a share uploaded twice in quick succession.
 */
export function planWorkload(o: WorkloadOptions): PlannedUpload[] {
  const rng = new Random(o.seed);
  const multipart = Math.max(4, Math.round(o.objects * 0.015));
  const long = Math.max(2, Math.round(o.objects * 0.004));
  const plan: PlannedUpload[] = [];
  for (let i = 0; i < o.objects; i++) {
    const dataset = pickDataset(rng.next());
    const kind: PlannedUpload['kind'] =
      i < long ? 'long' : i < long + multipart ? 'multipart' : rng.chance(0.05) ? 'empty' : rng.chance(0.03) ? 'folder' : 'small';
    // RGW 16.2 URL-decodes UploadPartCopy's copy source twice: a `%` in a multipart object's key names another key
    // there, or aborts the server (docs/soak.md). AWS decodes once; only the local server needs this.
    const names = kind === 'multipart' || kind === 'long' ? AWKWARD.filter((a) => !a.includes('%')) : AWKWARD;
    const name = `${rng.pick(names)} ${i}`;
    const folder = kind === 'long' ? LONG_FOLDER : `d${i % 7}/`;
    const key = kind === 'folder' ? `${dataset}/soak/dir ${i}/` : `${dataset}/soak/${folder}${name}.bin`;
    const size =
      kind === 'empty' || kind === 'folder'
        ? 0
        : kind === 'long'
          ? rng.int(56, 72) * MiB + rng.int(0, 999)
          : kind === 'multipart'
            ? rng.int(6, 16) * MiB + rng.int(0, 999)
            : rng.int(1, 64 * 1024);
    plan.push({ dataset, key, size, order: 0, overwrite: false, kind });
    if (kind !== 'folder' && rng.chance(o.overwrites ?? 0.05)) {
      const again = kind === 'empty' ? rng.int(1, 100) : Math.max(1, size + rng.int(-500, 500));
      plan.push({ dataset, key, size: again, order: 1, overwrite: true, kind });
    }
  }
  // Long and multipart objects are spread through the run rather than all first.
  return shuffleKeepingOrder(plan, rng);
}

function pickDataset(draw: number): string {
  let upTo = 0;
  for (const d of SOAK_DATASETS) if (draw < (upTo += d.share)) return d.name;
  return SOAK_DATASETS[0].name;
}

/** Shuffles, keeping a key's uploads in their order and an overwrite right behind the upload it overwrites. */
function shuffleKeepingOrder(plan: PlannedUpload[], rng: Random): PlannedUpload[] {
  const groups: PlannedUpload[][] = [];
  for (const u of plan) {
    if (u.order === 0) groups.push([u]);
    else groups[groups.length - 1].push(u);
  }
  for (let i = groups.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  return groups.flat();
}

/** Bytes for an upload: random, so a wrong range, a truncation or an older version changes the digest. */
export function bodyOf(size: number): { body: Buffer; sha256: string } {
  const body = size === 0 ? Buffer.alloc(0) : randomBytes(size);
  return { body, sha256: createHash('sha256').update(body).digest('hex') };
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
