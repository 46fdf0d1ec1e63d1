/**
 * Synthesizes 1,000 generated datasets (500 push, 500 pull) the way `npm run synth` does, in a child process, and
 * prints wall time and peak memory (goal: ≤ 10 s and ≤ 1 GB on the 2-core build machine). The reference measured in
 * the same run is the same synthesis of the repository's own datasets: the fixed cost every synth pays.
 *
 *   npm run bench:synth [-- COUNT]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const count = Number(process.argv[2] ?? 1000);
const projectRoot = path.resolve(__dirname, '..');

function generate(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  for (const kind of ['push', 'pull']) fs.mkdirSync(path.join(root, `${kind}_datasets`));
  for (let i = 0; i < count; i++) {
    const users = `  - alpha_user_bench${i % 50}\n  - alpha_user_owner${i}`;
    if (i % 2 === 0) {
      fs.writeFileSync(
        path.join(root, 'push_datasets', `push_${i}.yaml`),
        `name: push_${i}\nbucket: receiver-${i}\nusers:\n${users}\npaperwork: DPIA-${i}\nbucket_owner: "${String(100000000000 + i)}"\nkeep_files: ${i % 4 === 0}\n`,
      );
    } else {
      fs.writeFileSync(
        path.join(root, 'pull_datasets', `pull_${i}.yaml`),
        `name: pull_${i}\nusers:\n${users}\npaperwork: DSA-${i}\npull_arns:\n  - arn:aws:iam::111122223333:role/r${i}\nbucket_versioning: ${i % 3 === 0}\n`,
      );
    }
  }
  return root;
}

/** One synth in a fresh process. */
function synth(datasetsDir: string) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-out-'));
  const started = process.hrtime.bigint();
  // The same command cdktf runs (cdktf.json "app"); the child reports its own peak resident memory on exit.
  const r = spawnSync(
    process.execPath,
    ['-e', `process.on('exit', () => process.stderr.write('PEAK_RSS_KIB=' + process.resourceUsage().maxRSS + '\\n'));
      require('./scripts/cdktf-app.js');`],
    {
      cwd: projectRoot,
      env: { ...process.env, EXPORTS_DATASETS_DIR: datasetsDir, CDKTF_OUTDIR: outdir },
      encoding: 'utf8',
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`synth failed:\n${r.stderr}`);
  const peakMiB = Number(/PEAK_RSS_KIB=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  const stacks = fs.readdirSync(path.join(outdir, 'stacks')).length;
  fs.rmSync(outdir, { recursive: true });
  return { seconds, peakMiB, stacks };
}

const generated = generate();
const reference = synth(projectRoot);
const big = synth(generated);
fs.rmSync(generated, { recursive: true });

const row = (label: string, r: { seconds: number; peakMiB: number; stacks: number }) =>
  console.log(`${label.padEnd(34)} ${String(r.stacks).padStart(5)} stacks  ${r.seconds.toFixed(2).padStart(6)} s  ${r.peakMiB.toFixed(0).padStart(5)} MiB peak`);
row('repository datasets (reference)', reference);
row(`${count} generated datasets`, big);
console.log(`ratio to reference:                ${(big.seconds / reference.seconds).toFixed(2)}x time, ${(big.peakMiB / reference.peakMiB).toFixed(2)}x memory`);
console.log(`goal (≤ 10 s, ≤ 1024 MiB):         ${big.seconds <= 10 && big.peakMiB <= 1024 ? 'met' : 'NOT met'}`);
