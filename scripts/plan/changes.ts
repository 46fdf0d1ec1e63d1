import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  fabricateState,
  isObject,
  plan,
  planChanges,
  prepare,
  resourceSchemas,
  type Json,
  type ResourceChange,
} from './terraform-state';

/** What a plan of the working tree against a commit's fabricated state does to each resource, and what fails it. */

export type Kind = 'no-op' | 'update' | 'create' | 'delete' | 'replace';
export const KINDS: readonly Kind[] = ['no-op', 'update', 'create', 'delete', 'replace'];

export interface Finding {
  readonly kind: Kind;
  readonly address: string;
  /** Top-level attributes that change (updates), or that force the replacement (replaces). */
  readonly attributes: string[];
  readonly movedFrom?: string;
}

export interface StackReport {
  readonly counts: Record<Kind, number>;
  /** Every resource that is not a plain no-op, in plan order. */
  readonly findings: Finding[];
  /** Plans it took until the commit's own stack planned as all no-op against the fabricated state. */
  readonly rounds: number;
}

const MAX_ROUNDS = 5;

/**
 * Plans `dir` until it plans as all no-op against the state fabricated from its previous plan. The first state still
 * holds placeholders where one resource's value comes from another's unknown (a bucket policy naming the bucket's
 * ARN); each round resolves them, and the fixed point is what the deployed state would hold.
 */
export async function deployedState(dir: string): Promise<{ state: Json; rounds: number }> {
  await prepare(dir);
  const [first, all] = await Promise.all([plan(dir), resourceSchemas(dir)]);
  let changes = first;
  let attributes = new Map<string, unknown>();
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const fabricated = fabricateState(changes, attributes, all);
    attributes = fabricated.attributes;
    fs.writeFileSync(path.join(dir, 'terraform.tfstate'), JSON.stringify(fabricated.state));
    if (!(await planChanges(dir))) return { state: fabricated.state, rounds: round };
    changes = await plan(dir);
  }
  const left = classify(changes).findings.map((f) => `${f.kind} ${f.address} ${f.attributes.join(', ')}`);
  throw new Error(
    `${dir} still plans changes against its own fabricated state after ${MAX_ROUNDS} rounds:\n${left.join('\n')}`,
  );
}

const hasUnknown = (v: unknown): boolean =>
  v === true || (typeof v === 'object' && v !== null && Object.values(v).some(hasUnknown));

/** Top-level attributes whose planned value differs from the state's; computed ones the update makes unknown are marked. */
function changedAttributes(r: ResourceChange): string[] {
  const before = isObject(r.change.before) ? r.change.before : {};
  const after = isObject(r.change.after) ? r.change.after : {};
  const unknown = isObject(r.change.after_unknown) ? r.change.after_unknown : {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  const differs = (k: string) =>
    hasUnknown(unknown[k]) || JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null);
  return [...keys]
    .filter(differs)
    .sort()
    .map((k) => (hasUnknown(unknown[k]) ? `${k} (known after apply)` : k));
}

function kindOf(actions: string[]): Kind {
  const removes = actions.includes('delete') || actions.includes('forget'); // forget: dropped from state, left orphaned
  if (removes) return actions.includes('create') ? 'replace' : 'delete';
  if (actions.includes('create')) return 'create';
  return actions.includes('update') ? 'update' : 'no-op';
}

export function classify(changes: ResourceChange[]): StackReport {
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const findings: Finding[] = [];
  for (const r of changes) {
    const kind = kindOf(r.change.actions);
    counts[kind]++;
    if (kind === 'no-op' && !r.previous_address) continue; // a `moved` block's no-op is still worth naming
    const moved = r.previous_address ? { movedFrom: r.previous_address } : {};
    const forcing = [...new Set((r.change.replace_paths ?? []).map((p) => String(p[0])))].sort();
    const attributes = kind === 'update' ? changedAttributes(r) : kind === 'replace' ? forcing : [];
    findings.push({ kind, address: r.address, attributes, ...moved });
  }
  return { counts, findings, rounds: 0 };
}

/** `afterDir` (a stack's Terraform JSON) planned against `deployed` (what deployedState fabricated). */
export async function planAgainstState(
  afterDir: string,
  deployed: { state: Json; rounds: number },
): Promise<StackReport> {
  await prepare(afterDir);
  fs.writeFileSync(path.join(afterDir, 'terraform.tfstate'), JSON.stringify(deployed.state));
  return { ...classify(await plan(afterDir)), rounds: deployed.rounds };
}

/** The core: `afterDir` planned against the state `beforeDir` would have once applied. */
export const compareStacks = async (beforeDir: string, afterDir: string): Promise<StackReport> =>
  planAgainstState(afterDir, await deployedState(beforeDir));

/**
 * Replacements that are how a deploy works, not accidents: the exporter's bundle is uploaded under the SHA-256 of its
 * contents (stacks/exporter-stack.ts), so new code is a new object whenever the exporter changes.
 */
const EXPECTED_REPLACEMENTS: Readonly<Record<string, { forcedBy: string; why: string }>> = {
  'aws_s3_object.exporter-code': { forcedBy: 'key', why: 'a new exporter bundle (its key is its SHA-256)' },
};

/** Why a replacement is expected, or undefined when it is not. */
export function expectedReplacement(f: Finding): string | undefined {
  const e = EXPECTED_REPLACEMENTS[f.address];
  return f.kind === 'replace' && e && f.attributes.join() === e.forcedBy ? e.why : undefined;
}

/** What makes a report fail: anything deployed that goes away or is rebuilt (and new resources unless allowed). */
export const failures = (report: StackReport, allowCreate = false): Finding[] =>
  report.findings.filter(
    (f) =>
      (f.kind === 'replace' && !expectedReplacement(f)) || f.kind === 'delete' || (f.kind === 'create' && !allowCreate),
  );
