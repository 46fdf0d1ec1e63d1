import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveSettings } from '../settings';
import { rolesExistCheck } from '../stacks/roles-exist-check';
import { serveIamRoles, type IamRoles } from './helpers/iam-roles';
import { synthesize, type StackJson } from './helpers/synth';
import { initValidatePlan, terraformDescribe, type PlanResult } from './helpers/terraform';

/**
 * Leavers: a plan names each user or `pull_arns` role of our account that no longer exists, as a warning on that
 * dataset's stack only. Checked by terraform itself, with the real provider asking a local ListRoles.
 */
const account = resolveSettings({}, () => undefined).settings!.platform.account;
const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;

describe('the check block, as synthesized', () => {
  test('lists every user and every pull_arns role of our account, and no other account', () => {
    const check = rolesExistCheck({
      kind: 'pull',
      dataset: 'share',
      account,
      users: ['alpha_user_a.b', 'alpha_user_c'],
      roleArns: [role('team/reader+1'), 'arn:aws:iam::111122223333:role/theirs'],
    }) as { data: { aws_iam_roles: { listed: { name_regex: string } } }; assert: { error_message: string }[] };
    // Go's RE2 reads the regex: `.` and `+` in IAM names are quoted, so "alpha_user_aXb" is not taken for "a.b".
    expect(check.data.aws_iam_roles.listed.name_regex).toBe('^(alpha_user_a\\.b|alpha_user_c|reader\\+1)$');
    expect(check.assert.map((a) => a.error_message.split(' ')[0])).toEqual([
      'alpha_user_a.b',
      'alpha_user_c',
      role('team/reader+1'),
    ]);
    expect(check.assert[0].error_message).toContain('Remove them from "users" in pull_datasets/share.yaml');
  });

  test('is absent when nothing can be checked in our account', () => {
    expect(rolesExistCheck({ kind: 'pull', dataset: 's', account, users: [], roleArns: [] })).toBeUndefined();
  });

  test('every dataset stack has one; the exporter stack has none', () => {
    const { stacks } = synthesize();
    const checks = Object.entries(stacks).map(([id, s]) => [
      id,
      Object.keys((s as StackJson & { check?: object }).check ?? {}),
    ]);
    for (const [id, names] of checks) expect([id, names]).toEqual([id, id === 'exporter' ? [] : ['roles_exist']]);
  });
});

const maybe = terraformDescribe();

maybe('an offline plan with the check (terraform, a local ListRoles)', () => {
  let root: string;
  let outdir: string;
  let iam: IamRoles;
  const plans = new Map<string, PlanResult>();

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-leavers-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    const common = 'paperwork: DPIA-LEAVERS\n';
    write(
      'push_datasets/left.yaml',
      `name: left\nbucket: receiver-left\nbucket_owner: '111122223333'\n${common}users:\n  - alpha_user_stays\n  - alpha_user_gone\n`,
    );
    write(
      'push_datasets/all_here.yaml',
      `name: all_here\nbucket: receiver-here\nbucket_owner: '111122223333'\n${common}users:\n  - alpha_user_stays\n`,
    );
    write(
      'pull_datasets/rotated.yaml',
      `name: rotated\n${common}users:\n  - alpha_user_stays\npull_arns:\n  - ${role('team/reader-stays')}\n  - ${role('reader-old')}\n  - arn:aws:iam::111122223333:role/elsewhere\n`,
    );
    outdir = synthesize([root]).outdir;
    iam = await serveIamRoles([role('alpha_user_stays'), role('team/reader-stays'), role('reader-new')]);
    for (const stack of ['push-left', 'push-all_here', 'pull-rotated']) {
      plans.set(stack, await initValidatePlan(path.join(outdir, 'stacks', stack), iam.endpoint));
    }
  }, 300_000);

  afterAll(async () => {
    await iam?.close();
    for (const dir of [root, outdir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const failedChecks = (stack: string) =>
    plans
      .get(stack)!
      .warnings.filter((w) => w.summary === 'Check block assertion failed')
      .map((w) => w.detail);

  test("a leaver's username is named, with the file and what to do, and the plan still passes", () => {
    expect(plans.get('push-left')!.rolesChecked).toBe(true);
    expect(failedChecks('push-left')).toEqual([
      expect.stringMatching(
        /^alpha_user_gone is in "users" of push_datasets\/left\.yaml, but account \d{12} has no IAM role/,
      ),
    ]);
    expect(failedChecks('push-left')[0]).toContain('Remove them from "users" in push_datasets/left.yaml');
    expect(plans.get('push-left')!.creates.aws_lambda_function).toBe(1);
  });

  test("a rotated pull_arns role of our account is named; another account's role is not looked up", () => {
    expect(failedChecks('pull-rotated')).toEqual([
      expect.stringContaining(`${role('reader-old')} is in "pull_arns" of pull_datasets/rotated.yaml`),
    ]);
  });

  test('a stack whose roles all exist has no warning, and IAM was asked once per stack', () => {
    expect(plans.get('push-all_here')!.warnings).toEqual([]);
    expect(iam.calls()).toBe(3);
  });
});
