import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { FIXTURE_DATASETS, synthesize } from './helpers/synth';
import { initValidatePlan, pool, terraformDescribe, type PlanResult } from './helpers/terraform';

/**
 * Terraform itself checks the synthesized JSON: init from the local provider mirror, validate, and an offline plan of
 * every stack. Without terraform these tests skip locally; in CI (scripts/ci.ts) a missing terraform is a failure.
 */
const maybe = terraformDescribe();

const S3_BUCKET_SET = {
  aws_s3_bucket: 1,
  aws_s3_bucket_public_access_block: 1,
  aws_s3_bucket_ownership_controls: 1,
  aws_s3_bucket_server_side_encryption_configuration: 1,
  aws_s3_bucket_policy: 1,
  aws_s3_bucket_lifecycle_configuration: 1,
};
const EXPORTER = {
  // Four secure buckets: the export bucket, the exporters' ledger, the code bucket and the audit query results;
  // only the first is versioned.
  ...Object.fromEntries(Object.entries(S3_BUCKET_SET).map(([k, v]) => [k, 4 * v])),
  aws_s3_bucket_versioning: 1,
  aws_s3_bucket_notification: 1,
  aws_s3_object: 1,
  aws_sns_topic: 1,
  aws_sns_topic_policy: 1,
  aws_cloudwatch_dashboard: 1,
  // The audit table (stacks/audit-table.ts).
  aws_glue_catalog_database: 1,
  aws_glue_catalog_table: 1,
  aws_athena_workgroup: 1,
};
const push = (users: number) => ({
  aws_iam_role: 1,
  aws_iam_role_policy: 1 + users,
  aws_cloudwatch_log_group: 1,
  aws_lambda_function: 1,
  aws_lambda_function_event_invoke_config: 1,
  aws_lambda_permission: 1,
  aws_cloudwatch_event_rule: 1,
  aws_cloudwatch_event_target: 1,
  aws_sqs_queue: 1,
  aws_sqs_queue_policy: 1,
  aws_cloudwatch_metric_alarm: 2,
});
const pull = (users: number, versioned: boolean) => ({
  ...S3_BUCKET_SET,
  ...(versioned ? { aws_s3_bucket_versioning: 1 } : {}),
  aws_iam_role_policy: users,
});

const cases: [string, string, Record<string, number>][] = [
  // [datasets root, stack, resources the plan must create]
  [FIXTURE_DATASETS, 'exporter', EXPORTER],
  [FIXTURE_DATASETS, 'push-proj', push(2)],
  [FIXTURE_DATASETS, 'push-proj_2', push(1)],
  [FIXTURE_DATASETS, 'push-proj2', push(1)],
  [FIXTURE_DATASETS, 'pull-share_a', pull(2, true)],
  [FIXTURE_DATASETS, 'pull-share_b', pull(1, false)],
  // Paused: the same resources as running (nothing destroyed), policies and the function's concurrency aside.
  [FIXTURE_DATASETS, 'push-halted', push(1)],
  [FIXTURE_DATASETS, 'pull-share_halted', pull(1, false)],
  [PROJECT_ROOT, 'push-hmpps_probation_outcomes', push(2)],
  [PROJECT_ROOT, 'push-courts_listing_sample', push(1)],
  [PROJECT_ROOT, 'pull-prison_population_daily', pull(2, true)],
];

const label = (root: string) => (root === PROJECT_ROOT ? 'repo' : 'fixture');

maybe('terraform init, validate and plan of every stack', () => {
  const plans = new Map<string, PlanResult>();

  beforeAll(async () => {
    const outdirs = new Map([FIXTURE_DATASETS, PROJECT_ROOT].map((root) => [root, synthesize([root]).outdir]));
    const results = await pool(cases, 3, ([root, stack]) =>
      initValidatePlan(path.join(outdirs.get(root)!, 'stacks', stack)),
    );
    cases.forEach(([root, stack], i) => plans.set(`${label(root)}:${stack}`, results[i]));
  }, 600_000);

  test.each(cases.map(([root, stack, expected]) => [label(root), stack, expected] as const))(
    '%s %s: the plan creates exactly the expected resources',
    (where, stack, expected) => {
      const plan = plans.get(`${where}:${stack}`)!;
      expect(plan.otherActions).toEqual([]);
      expect(plan.creates).toEqual(expected);
      // Offline, only the leavers' check (dataset stacks) is unanswered, and it is not shown as a warning.
      expect(plan.warnings).toEqual([]);
      expect(plan.rolesChecked).toBe(stack === 'exporter');
    },
  );

  test('a paused dataset says so in its plan, with the reason; no running dataset does', () => {
    const paused = [...plans].filter(([, p]) => p.outputs.paused !== undefined).map(([k, p]) => [k, p.outputs.paused]);
    expect(paused).toEqual([
      ['fixture:push-halted', 'INC-0042: the receiver reported a misdirected file'],
      ['fixture:pull-share_halted', 'INC-0043: reader-h credentials leaked'],
    ]);
  });
});
