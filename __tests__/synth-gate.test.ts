import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Runs main.ts as `cdktf synth` does (the app command), in a scratch directory. */
function synth(datasets: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-synth-'));
  fs.mkdirSync(path.join(dir, 'push_datasets'));
  fs.mkdirSync(path.join(dir, 'pull_datasets'));
  for (const [file, text] of Object.entries(datasets)) fs.writeFileSync(path.join(dir, file), text);
  const root = path.resolve(__dirname, '..');
  const r = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(root, 'main.ts')], {
    cwd: root,
    env: { ...process.env, EXPORTS_DATASETS_DIR: dir, CDKTF_OUTDIR: path.join(dir, 'cdktf.out') },
    encoding: 'utf8',
  });
  const stacks = path.join(dir, 'cdktf.out', 'stacks');
  return { ...r, stacks: fs.existsSync(stacks) ? fs.readdirSync(stacks).sort() : undefined };
}

const push = 'name: alpha\nbucket: receiver-landing\nusers:\n  - alpha_user_a\npaperwork: DPIA-1\n';
const pull = 'name: beta\nusers:\n  - alpha_user_a\npaperwork: DPIA-1\npull_arns:\n  - arn:aws:iam::123456789012:role/r\n';

test('valid datasets synthesize the exporter stack and one stack per dataset', () => {
  const r = synth({ 'push_datasets/alpha.yaml': push, 'pull_datasets/beta.yaml': pull });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stacks).toEqual(['exporter', 'pull-beta', 'push-alpha']);
});

test('one invalid file stops synthesis: located problems, no stack trace, nothing written', () => {
  const r = synth({
    'push_datasets/alpha.yaml': push,
    'pull_datasets/beta.yaml': pull.replace('arn:aws:iam::123456789012:role/r', 'arn:aws:s3:::some-bucket'),
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('pull_datasets/beta.yaml:6:5: pull_arns[0]:');
  expect(r.stderr).toContain('that is an S3 bucket ARN');
  expect(r.stderr).toContain('Nothing was synthesized');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stacks).toBeUndefined();
});
