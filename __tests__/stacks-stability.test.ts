import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURE_DATASETS, synthesize } from './helpers/synth';

/** Unchanged YAML gives byte-identical JSON; a new dataset touches only its own stack. */

function copyOfFixtures(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-datasets-'));
  fs.cpSync(FIXTURE_DATASETS, root, { recursive: true });
  return root;
}

test('synthesizing unchanged datasets twice gives identical JSON', () => {
  const first = synthesize();
  const second = synthesize();
  expect(Object.keys(second.text).sort()).toEqual(Object.keys(first.text).sort());
  for (const id of Object.keys(first.text)) expect(second.text[id]).toBe(first.text[id]);
});

test('the same datasets in another directory give identical JSON (nothing depends on where the repo is)', () => {
  const elsewhere = synthesize([copyOfFixtures()]);
  const here = synthesize();
  for (const id of Object.keys(here.text)) expect(elsewhere.text[id]).toBe(here.text[id]);
});

test('adding a push and a pull dataset adds their stacks and changes no other stack', () => {
  const root = copyOfFixtures();
  const before = synthesize([root]);
  fs.writeFileSync(
    path.join(root, 'push_datasets', 'newcomer.yaml'),
    'name: newcomer\nbucket: receiver-new\nusers:\n  - alpha_user_shared\npaperwork: DPIA-NEW\nbucket_owner: "111122223333"\n',
  );
  fs.writeFileSync(
    path.join(root, 'pull_datasets', 'newshare.yaml'),
    'name: newshare\nusers:\n  - alpha_user_shared\npaperwork: DPIA-NEW\npull_arns:\n  - arn:aws:iam::111122223333:role/r\n',
  );
  const after = synthesize([root]);
  expect(Object.keys(after.text).sort()).toEqual([...Object.keys(before.text), 'push-newcomer', 'pull-newshare'].sort());
  for (const id of Object.keys(before.text)) expect(after.text[id]).toBe(before.text[id]);
});

test('changing one dataset changes only its own stack', () => {
  const root = copyOfFixtures();
  const before = synthesize([root]);
  const file = path.join(root, 'push_datasets', 'proj.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('receiver-proj', 'receiver-proj-moved'));
  const after = synthesize([root]);
  const changed = Object.keys(before.text).filter((id) => after.text[id] !== before.text[id]);
  expect(changed).toEqual(['push-proj']);
});

/**
 * The Terraform addresses of a push stack's resources, as deployed: Terraform replaces a resource whose address
 * changes, so grouping resources into constructs keeps them (stacks/addresses.ts). Change this list only together
 * with `moved` blocks for the deployed stacks.
 */
const PUSH_STACK_ADDRESSES = [
  'aws_cloudwatch_event_rule.object-created',
  'aws_cloudwatch_event_target.object-created-target',
  'aws_cloudwatch_log_group.exporter-logs',
  'aws_cloudwatch_metric_alarm.alarm-errors',
  'aws_cloudwatch_metric_alarm.alarm-failed-exports',
  'aws_iam_role.exporter-role',
  'aws_iam_role_policy.exporter-policy',
  'aws_lambda_function.exporter',
  'aws_lambda_function_event_invoke_config.exporter-retries',
  'aws_lambda_permission.object-created-invoke',
  'aws_sqs_queue.failed-exports',
  'aws_sqs_queue_policy.failed-exports-policy',
];

test('push stacks keep the Terraform addresses their resources were deployed with', () => {
  const { stacks } = synthesize();
  for (const [id, users] of [['push-proj', ['alpha_user_p1', 'alpha_user_shared']], ['push-proj2', ['alpha_user_p3']]] as const) {
    const addresses = Object.entries(stacks[id].resource).flatMap(([type, rs]) => Object.keys(rs).map((n) => `${type}.${n}`));
    const userPolicies = users.map((u) => `aws_iam_role_policy.user-${u}`);
    expect(addresses.sort()).toEqual([...PUSH_STACK_ADDRESSES, ...userPolicies].sort());
  }
});
