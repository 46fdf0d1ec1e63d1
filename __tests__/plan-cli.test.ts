import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planCommand } from '../bin/plan';
import { PROJECT_ROOT } from '../config';
import { planOffline } from '../scripts/plan/offline-plan';
import { FIXTURE_DATASETS } from './helpers/synth';
import { terraformDescribe } from './helpers/terraform';

/** `npm run plan`: the plan a reviewer without AWS sees, run as they run it. */
const maybe = terraformDescribe();

const capture = () => {
  const lines: string[] = [];
  return { lines, print: (s: string) => void lines.push(s), text: () => lines.join('\n') };
};

test('an unknown stack is a usage error naming the known ones, before any terraform runs', async () => {
  const out = capture();
  const err = capture();
  const env = { ...process.env, EXPORTS_DATASETS_DIR: FIXTURE_DATASETS };
  expect(await planCommand(['push-proj', 'push-nope'], PROJECT_ROOT, out.print, err.print, env)).toBe(2);
  expect(err.text()).toContain('plan: no stack is named "push-nope". Known: exporter, pull-share_a,');
  expect(out.lines).toEqual([]);
});

test("an invalid dataset file stops it with the validator's words (exit 1)", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-plan-bad-'));
  fs.mkdirSync(path.join(root, 'push_datasets'));
  fs.writeFileSync(path.join(root, 'push_datasets', 'bad.yaml'), 'name: bad\n');
  const err = capture();
  expect(
    await planCommand([], PROJECT_ROOT, () => undefined, err.print, { ...process.env, EXPORTS_DATASETS_DIR: root }),
  ).toBe(1);
  expect(err.text()).toMatch(/push_datasets\/bad\.yaml:\d+:\d+: .*bucket/);
  fs.rmSync(root, { recursive: true, force: true });
});

maybe('npm run plan, offline', () => {
  let run: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    run = spawnSync('npm', ['run', '--silent', 'plan', '--', 'pull-share_b', 'push-proj'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, EXPORTS_DATASETS_DIR: FIXTURE_DATASETS },
      encoding: 'utf8',
      timeout: 240_000,
    });
  }, 250_000);

  test("prints each named stack's plan, in deploy order, and exits 0", () => {
    expect(run.status).toBe(0);
    const stdout = String(run.stdout);
    expect(stdout.match(/^== .*$/gm)).toEqual(['== pull-share_b', '== push-proj']);
    expect(stdout).toContain('+ bucket                      = "mojap-share-b"');
    expect(stdout.match(/^Plan: \d+ to add, 0 to change, 0 to destroy\.$/gm)).toHaveLength(2);
  });

  test('says nothing a newcomer would read as a failure, and says once what offline cannot check', () => {
    const all = `${run.stdout}${run.stderr}`;
    expect(all).not.toMatch(/\[ERROR\]|Warning|Error:/);
    expect(String(run.stderr)).toContain("plan: offline, the leavers' check of 2 dataset stack(s) did not run");
    expect(String(run.stderr)).toMatch(/plan: push-proj planned in \d+\.\d s \(\d of 2\)/);
  });
});

maybe('a plan terraform refuses', () => {
  test("fails with terraform's words, not its JSON", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-plan-refused-'));
    fs.writeFileSync(
      path.join(dir, 'main.tf.json'),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } } },
        provider: { aws: { region: 'eu-west-1' } },
        resource: { aws_s3_bucket: { b: { bucket: 'b', no_such_argument: true } } },
      }),
    );
    await expect(planOffline(dir)).rejects.toThrow(
      /^terraform plan of hub-exports-plan-refused-\w+ failed:\nError: .*\n {2}No argument or block type is named "no_such_argument"/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
