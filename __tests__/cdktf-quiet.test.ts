import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { cliConfigFor, mirrorCliConfig } from '../scripts/terraform-cli-config';

/**
 * `npm run synth` and `npm run cdktf -- …` print nothing a newcomer would read as a failure: no checkpoint call, and
 * no complaint about a TF_CLI_CONFIG_FILE that names no file (this machine image sets one).
 */
const missing = path.join(os.tmpdir(), 'hub-exports-no-such-terraform.rc');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-quiet-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const run = (command: string, args: string[]) =>
  spawnSync(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TF_CLI_CONFIG_FILE: missing, CDKTF_OUTDIR: scratch },
    encoding: 'utf8',
    timeout: 180_000,
  });

test("the CLI configuration: the caller's when it exists, else the mirror's, else none", () => {
  const mine = path.join(scratch, 'mine.rc');
  fs.writeFileSync(mine, '');
  expect(cliConfigFor({ TF_CLI_CONFIG_FILE: mine })).toBe(mine);
  const mirror = fs.mkdtempSync(path.join(scratch, 'mirror-'));
  fs.mkdirSync(path.join(mirror, 'registry.terraform.io'));
  const config = cliConfigFor({ TF_CLI_CONFIG_FILE: missing, TF_PROVIDER_MIRROR: mirror })!;
  expect(config).toBe(mirrorCliConfig(mirror));
  expect(fs.readFileSync(config, 'utf8')).toContain(`path = ${JSON.stringify(mirror)}`);
  expect(cliConfigFor({ TF_CLI_CONFIG_FILE: missing, TF_PROVIDER_MIRROR: path.join(scratch, 'none') })).toBeUndefined();
});

test('npm run synth says only what it generated', () => {
  const r = run('npm', ['run', '--silent', 'synth']);
  expect(r.status).toBe(0);
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/\[ERROR\]|Warning|checkpoint/i);
  expect(r.stdout).toMatch(/Generated Terraform code for the stacks: exporter/);
}, 200_000);

test('the cdktf CLI itself, run directly, complains: what the wrapper is for', () => {
  const r = run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdktf'), ['list']);
  expect(`${r.stdout}${r.stderr}`).toMatch(/\[ERROR\].*(CLI configuration|checkpoint)/);
}, 200_000);
