import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandLine, type Print } from '../bin/cli';
import { PROJECT_ROOT } from '../config';
import { pool } from './plan/offline-terraform';
import { compareStacks, failures, expectedReplacement, KINDS, type StackReport } from './plan/changes';

const USAGE = `usage: npx ts-node --transpile-only scripts/plan-against.ts [--allow-create] [--keep] <git-commit> [stack ...]

Synthesizes <git-commit> (in a temporary git worktree) and the working tree, each with its own code and datasets,
and plans each stack of the working tree against a state fabricated from the commit's stack, as if that commit
were deployed: offline, with terraform from PATH and the provider mirror. Prints per stack how many resources the
plan leaves alone, updates in place, creates, deletes and replaces, naming every resource that is not left alone.

Exit status: 0 nothing deployed is replaced or deleted, 1 something is (or a stack disappears; or something is
created, unless --allow-create), 2 usage error, 3 the tool could not decide (synth or terraform failed).`;

/** Runs a checkout's own app command (cdktf.json "app"), as `cdktf synth` does, into `outdir`. */
function synth(checkout: string, outdir: string): string[] {
  const app = (JSON.parse(fs.readFileSync(path.join(checkout, 'cdktf.json'), 'utf8')) as { app: string }).app;
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' };
  delete env.EXPORTS_DATASETS_DIR; // each side uses its own datasets, as `npm run changed` does
  const r = spawnSync(app, { cwd: checkout, env, shell: true, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`synthesis of ${checkout} failed:\n${r.stderr || r.stdout}`);
  return fs.readdirSync(path.join(outdir, 'stacks')).sort();
}

function printReport(stack: string, report: StackReport, out: Print): void {
  out(
    `${stack}: ${KINDS.map((k) => `${report.counts[k]} ${k}`).join(', ')} (state converged in ${report.rounds} round(s))`,
  );
  for (const f of report.findings) {
    const moved = f.movedFrom ? ` (moved from ${f.movedFrom})` : '';
    const attributes = f.attributes.length > 0 ? `: ${f.attributes.join(', ')}` : '';
    const expected = expectedReplacement(f);
    out(`  ${f.kind} ${f.address}${moved}${attributes}${expected ? ` (expected: ${expected})` : ''}`);
  }
}

/** Worktree and both syntheses; returns the stacks to plan, and prints (and counts as failures) stacks on one side only. */
function synthBoth(root: string, commit: string, scratch: string, named: string[], err: Print) {
  const worktree = path.join(scratch, 'base');
  execFileSync('git', ['worktree', 'add', '--detach', worktree, commit], { cwd: root, stdio: 'pipe' });
  // The commit runs with today's installed packages, as `npm run changed` does.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(worktree, 'node_modules'), 'dir');
  const before = synth(worktree, path.join(scratch, 'before'));
  const after = synth(root, path.join(scratch, 'after'));
  for (const s of named)
    if (!before.includes(s) || !after.includes(s)) throw new Error(`stack ${s} is not in both syntheses`);
  if (named.length > 0) return { stacks: named, gone: [], added: [] };
  const gone = before.filter((s) => !after.includes(s));
  const added = after.filter((s) => !before.includes(s));
  for (const s of gone) err(`${s}: stack only in ${commit}: everything it deployed would be orphaned or destroyed`);
  for (const s of added) err(`${s}: new stack, not in ${commit}`);
  return { stacks: before.filter((s) => after.includes(s)), gone, added };
}

export async function planAgainst(argv: readonly string[], root: string, out: Print, err: Print): Promise<number> {
  const options = { 'allow-create': { type: 'boolean' }, keep: { type: 'boolean' } } as const;
  const parsed = commandLine(argv, options, USAGE, out, err, (p) => {
    if (p.length === 0) throw new Error('name a git commit');
  });
  if (typeof parsed === 'number') return parsed;
  const [ref, ...named] = parsed.positionals;
  const allowCreate = parsed.values['allow-create'] === true;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-plan-against-'));
  const worktree = path.join(scratch, 'base');
  try {
    const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
    const { stacks, gone, added } = synthBoth(root, commit, scratch, named, err);
    const onSide = (side: string, s: string) => path.join(scratch, side, 'stacks', s);
    const reports = await pool(stacks, 2, (s) => compareStacks(onSide('before', s), onSide('after', s)));
    stacks.forEach((s, i) => printReport(s, reports[i], out));
    const failed =
      reports.flatMap((r) => failures(r, allowCreate)).length + gone.length + (allowCreate ? 0 : added.length);
    err(
      failed > 0
        ? `${failed} resource(s) or stack(s) fail the check against ${ref}`
        : `nothing deployed by ${ref} is replaced or deleted`,
    );
    return failed > 0 ? 1 : 0;
  } catch (e) {
    err(`plan-against: ${(e as Error).message}`);
    return 3;
  } finally {
    // Unlink node_modules first: it is our link into the working tree, and nothing below must follow it.
    const link = path.join(worktree, 'node_modules');
    if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(link);
    if (fs.existsSync(worktree))
      execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: root, stdio: 'pipe' });
    if (parsed.values.keep) err(`kept ${scratch}`);
    else fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void planAgainst(process.argv.slice(2), PROJECT_ROOT, console.log, console.error).then(
    (code) => (process.exitCode = code),
  );
}
