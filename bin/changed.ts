import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { commandLine, synthApp, type Print } from './cli';

const USAGE = `usage: npm run changed -- [--json] <base git ref>

Synthesizes the working tree and the base ref (each with its own code and datasets) and lists the stacks whose
Terraform JSON differs, one per line: "added <stack>", "changed <stack>" or "removed <stack>". A pipeline deploys
(or destroys) exactly those. Timings go to standard error.

Exit status: 0 listed (possibly nothing), 1 a synthesis failed, 2 usage error (e.g. an unknown ref).`;

export interface StackChanges {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

/** Everything under one synthesized stack folder that Terraform reads, as text: JSON and the assets it names. */
function stackFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory() && entry.name !== '.terraform') walk(full);
      else if (entry.isFile() && !entry.name.startsWith('.terraform')) files.set(path.relative(dir, full), fs.readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

const sameFiles = (a: Map<string, Buffer>, b: Map<string, Buffer>) =>
  a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true);

/** Compares two `cdktf.out` folders stack by stack. */
export function compareSynths(baseOut: string, headOut: string): StackChanges {
  const stacks = (out: string) =>
    fs.existsSync(path.join(out, 'stacks')) ? fs.readdirSync(path.join(out, 'stacks')).sort() : [];
  const base = stacks(baseOut);
  const head = stacks(headOut);
  return {
    added: head.filter((s) => !base.includes(s)),
    removed: base.filter((s) => !head.includes(s)),
    changed: head.filter(
      (s) =>
        base.includes(s) &&
        !sameFiles(stackFiles(path.join(baseOut, 'stacks', s)), stackFiles(path.join(headOut, 'stacks', s))),
    ),
  };
}

/** Each side of the comparison synthesizes its own datasets (not EXPORTS_DATASETS_DIR's). */
function synth(checkout: string, outdir: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.EXPORTS_DATASETS_DIR;
  synthApp(checkout, outdir, env);
}

export function changedCommand(argv: readonly string[], root: string, out: Print, err: Print): number {
  const parsed = commandLine(argv, { json: { type: 'boolean' } }, USAGE, out, err, (refs) => {
    if (refs.length !== 1) throw new Error('name exactly one base git ref');
  });
  if (typeof parsed === 'number') return parsed;
  const ref = parsed.positionals[0];
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: 'pipe' }).trim();
  let commit: string;
  try {
    commit = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    err(`changed: "${ref}" is not a commit in ${root}`);
    return 2;
  }

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-changed-'));
  const baseCheckout = path.join(scratch, 'base');
  try {
    let started = Date.now();
    synth(root, path.join(scratch, 'head.out'));
    err(`synthesized the working tree in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
    git('worktree', 'add', '--detach', baseCheckout, commit);
    // The base runs with today's installed packages: dependency changes show up as the JSON they produce.
    const modules = path.join(baseCheckout, 'node_modules');
    if (!fs.existsSync(modules)) fs.symlinkSync(path.join(root, 'node_modules'), modules, 'dir');
    synth(baseCheckout, path.join(scratch, 'base.out'));
    err(`synthesized ${ref} (${commit.slice(0, 12)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const changes = compareSynths(path.join(scratch, 'base.out'), path.join(scratch, 'head.out'));
    if (parsed.values.json) out(JSON.stringify(changes, null, 2));
    else {
      const lines = [
        ...changes.added.map((s) => `added ${s}`),
        ...changes.changed.map((s) => `changed ${s}`),
        ...changes.removed.map((s) => `removed ${s}`),
      ];
      if (lines.length > 0) out(lines.join('\n'));
      err(`${lines.length} stack(s) differ from ${ref}`);
    }
    return 0;
  } catch (e) {
    err(`changed: ${(e as Error).message}`);
    return 1;
  } finally {
    if (fs.existsSync(baseCheckout)) git('worktree', 'remove', '--force', baseCheckout);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.exitCode = changedCommand(process.argv.slice(2), PROJECT_ROOT, console.log, console.error);
}
