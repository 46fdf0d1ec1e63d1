import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Runs the app command of cdktf.json, as `cdktf synth` does, on datasets in a scratch directory. */
function synth(datasets: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-synth-'));
  fs.mkdirSync(path.join(dir, 'push_datasets'));
  fs.mkdirSync(path.join(dir, 'pull_datasets'));
  for (const [file, text] of Object.entries(datasets)) fs.writeFileSync(path.join(dir, file), text);
  const root = path.resolve(__dirname, '..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'cdktf-app.js')], {
    cwd: root,
    env: { ...process.env, EXPORTS_DATASETS_DIR: dir, CDKTF_OUTDIR: path.join(dir, 'cdktf.out'), ...env },
    encoding: 'utf8',
  });
  const stacks = path.join(dir, 'cdktf.out', 'stacks');
  const written = fs.existsSync(path.join(dir, 'cdktf.out'));
  const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(stacks, stack, 'cdk.tf.json'), 'utf8'));
  return { ...r, written, read, stacks: fs.existsSync(stacks) ? fs.readdirSync(stacks).sort() : undefined };
}

const push = 'name: alpha\nbucket: receiver-landing\nusers:\n  - alpha_user_a\npaperwork: DPIA-1\nbucket_owner: "111122223333"\n';
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
  expect(r.written).toBe(false);
});

test('bad settings stop synthesis too, naming the variable', () => {
  const r = synth({ 'push_datasets/alpha.yaml': push }, { HUB_EXPORTS_ACCOUNT: 'abc', HUB_EXPORTS_BACKEND: 'cloud' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('HUB_EXPORTS_ACCOUNT: expected a 12-digit AWS account ID, found "abc"');
  expect(r.stderr).toContain('HUB_EXPORTS_TFC_ORGANIZATION (or context "tfcOrganization") is required');
  expect(r.written).toBe(false);
});

test('cdktf context (CDKTF_CONTEXT_JSON, which carries cdktf.json "context") reaches the stacks', () => {
  const r = synth({ 'push_datasets/alpha.yaml': push }, { CDKTF_CONTEXT_JSON: JSON.stringify({ region: 'eu-west-2' }) });
  expect(r.status).toBe(0);
  expect(r.read('push-alpha').provider.aws[0].region).toBe('eu-west-2');
});
