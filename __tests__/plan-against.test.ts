import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deployedState, failures, planAgainstState, type StackReport } from '../scripts/plan/changes';
import { terraformDescribe } from './helpers/terraform';

/**
 * scripts/plan-against.ts must be able to fail: hand-written stacks whose change Terraform answers with a replacement,
 * a rename (delete and create) and an in-place update, planned through the tool's core against a fabricated state.
 * Same rule as terraform-plan.test.ts: without terraform this skips locally; in CI (scripts/ci.ts) that is a failure.
 */
const maybe = terraformDescribe();

type Buckets = Record<string, { bucket: string; tags?: Record<string, string> }>;

/** One stack directory holding the buckets, the way cdktf writes a stack (region and provider pinned). */
function stackDir(buckets: Buckets): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-against-test-'));
  const config = {
    terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' } } },
    provider: { aws: [{ region: 'eu-west-1', default_tags: [{ tags: { application: 'test' } }] }] },
    resource: {
      aws_s3_bucket: buckets,
      // Refers to a bucket's computed ARN: the fabricated state must resolve it, or every plan shows an update.
      aws_s3_bucket_policy: {
        kept_policy: {
          bucket: '${aws_s3_bucket.kept.id}',
          policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '${aws_s3_bucket.kept.arn}' }],
          }),
        },
      },
    },
  };
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(config));
  return dir;
}

const kept = (team: string) => ({ kept: { bucket: 'plan-against-kept', tags: { team } } });
const DEPLOYED: Buckets = {
  ...kept('a'),
  renamed: { bucket: 'plan-against-renamed' },
  rebuilt: { bucket: 'plan-against-old' },
};
const BROKEN: Buckets = {
  ...kept('b'),
  renamed_again: { bucket: 'plan-against-renamed' },
  rebuilt: { bucket: 'plan-against-new' },
};
const TAGS_ONLY: Buckets = { ...DEPLOYED, ...kept('b') };
const byKind = (report: StackReport) =>
  Object.fromEntries(
    report.findings.map((f) => [f.address, `${f.kind}${f.attributes.length ? ` ${f.attributes.join(',')}` : ''}`]),
  );

maybe('plan-against: a stack planned against the state its predecessor would have deployed', () => {
  let broken: StackReport;
  let tagsOnly: StackReport;

  let dirs: string[] = [];

  // compareStacks(before, after) is deployedState then planAgainstState; both cases share one deployed state, since
  // every terraform run starts the AWS provider (5 s of CPU) and the suite must stay well under a minute.
  beforeAll(async () => {
    dirs = [DEPLOYED, BROKEN, TAGS_ONLY].map(stackDir); // here, not in the describe body, which runs even when skipped
    const deployed = await deployedState(dirs[0]);
    [broken, tagsOnly] = await Promise.all([planAgainstState(dirs[1], deployed), planAgainstState(dirs[2], deployed)]);
  }, 110_000);

  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('a changed bucket name is a replacement, a changed address a delete and a create, tags an update', () => {
    expect(byKind(broken)).toEqual({
      'aws_s3_bucket.kept': 'update tags,tags_all',
      'aws_s3_bucket.rebuilt': 'replace bucket',
      'aws_s3_bucket.renamed': 'delete',
      'aws_s3_bucket.renamed_again': 'create',
    });
    expect(broken.counts).toEqual({ 'no-op': 1, update: 1, create: 1, delete: 1, replace: 1 });
    expect(
      failures(broken)
        .map((f) => f.address)
        .sort(),
    ).toEqual(['aws_s3_bucket.rebuilt', 'aws_s3_bucket.renamed', 'aws_s3_bucket.renamed_again']);
    expect(
      failures(broken, true)
        .map((f) => f.kind)
        .sort(),
    ).toEqual(['delete', 'replace']);
  });

  test('an in-place change passes: no replacement, and the policy naming the bucket ARN stays a no-op', () => {
    expect(byKind(tagsOnly)).toEqual({ 'aws_s3_bucket.kept': 'update tags,tags_all' });
    expect(tagsOnly.counts).toEqual({ 'no-op': 3, update: 1, create: 0, delete: 0, replace: 0 });
    expect(failures(tagsOnly)).toEqual([]);
    expect(tagsOnly.rounds).toBeGreaterThanOrEqual(1);
  });
});

test("the exporter's code object may be replaced for its key (new code), for nothing else", () => {
  const report = (attributes: string[], address = 'aws_s3_object.exporter-code'): StackReport => ({
    counts: { 'no-op': 0, update: 0, create: 0, delete: 0, replace: 1 },
    findings: [{ kind: 'replace', address, attributes }],
    rounds: 1,
  });
  expect(failures(report(['key']))).toEqual([]);
  expect(failures(report(['bucket']))).toHaveLength(1);
  expect(failures(report(['key'], 'aws_s3_object.other'))).toHaveLength(1);
});
