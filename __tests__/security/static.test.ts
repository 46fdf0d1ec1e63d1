import { PROJECT_ROOT, loadDatasets } from '../../config';
import {
  DEFAULT_SETTINGS,
  artifactBucketName,
  auditResultsBucketName,
  ledgerBucketName,
  pullBucketName,
} from '../../naming';
import { FIXTURE_DATASETS, synthesize } from '../helpers/synth';
import {
  WILDCARD_RESOURCE_ALLOWED,
  allPolicies,
  bucketProblems,
  lifecycleProblems,
  logProblems,
  publicPrincipalsInAllow,
  queueProblems,
  routingProblems,
  trustProblems,
  wildcardActionStatements,
  wildcardActionsInAllow,
  wildcardResourcesInAllow,
} from './checks';
import { loadModel } from './model';

/**
 * Static checks over every stack synthesized from the fixture datasets and from the repository's own datasets. Each
 * check returns the problems it finds (stack, resource, what is wrong); mutation.test.ts shows each one firing.
 */
describe.each([
  ['fixture datasets', FIXTURE_DATASETS],
  ['repository datasets', PROJECT_ROOT],
])('%s', (_label, root) => {
  const model = loadModel(synthesize([root]).stacks);
  const { datasets } = loadDatasets([root], { settings: DEFAULT_SETTINGS });

  test('the model holds every resource the datasets imply (so no check below passes on nothing)', () => {
    const pullBuckets = datasets.pull.map((d) => pullBucketName(DEFAULT_SETTINGS, d.name));
    // The exporter stack's four: the export bucket, the exporters' ledger, the code bucket and the audit results.
    const s = DEFAULT_SETTINGS;
    const platform = [s.exportBucket, ledgerBucketName(s), artifactBucketName(s), auditResultsBucketName(s)];
    expect([...model.buckets.keys()].sort()).toEqual([...platform, ...pullBuckets].sort());
    expect([...model.roles.values()].map((r) => r.name).sort()).toEqual(
      datasets.push.map((d) => `export_${d.name}-move`).sort(),
    );
    expect(model.functions.size).toBe(datasets.push.length);
    expect(model.rules.size).toBe(datasets.push.length);
    expect(model.queues.size).toBe(datasets.push.length);
    const users = new Set([...datasets.push, ...datasets.pull].flatMap((d) => d.users));
    const attachments = [...datasets.push, ...datasets.pull].reduce((n, d) => n + d.users.length, 0);
    const userPolicies = [...model.identity].filter(([arn]) => /:role\/alpha_user_/.test(arn));
    expect(userPolicies.map(([arn]) => arn.replace(/.*:role\//, '')).sort()).toEqual([...users].sort());
    expect(userPolicies.reduce((n, [, docs]) => n + docs.length, 0)).toBe(attachments);
  });

  test('every Allow names its actions: no *, service:* or other wildcard action, no NotAction', () => {
    expect(wildcardActionsInAllow(model)).toEqual([]);
  });

  test('wildcard actions appear only in Deny statements, where they can only narrow access', () => {
    const found = wildcardActionStatements(model);
    // The TLS-only pair of every bucket policy and the queue's HTTP deny are such statements.
    expect(found.length).toBeGreaterThanOrEqual(2 * model.buckets.size + model.queues.size);
    expect(found.filter((s) => s.effect !== 'Deny')).toEqual([]);
  });

  test('no Allow on a * resource', () => {
    // AWS requires Resource "*" for a few actions (for example s3:ListAllMyBuckets, or logs:DescribeLogGroups); the
    // stacks grant none of them, so the list of excused actions is empty. Adding one needs a reason next to it.
    expect(WILDCARD_RESOURCE_ALLOWED).toEqual([]);
    expect(wildcardResourcesInAllow(model)).toEqual([]);
  });

  test('no Allow to principal * and every resource-policy Allow names its principal', () => {
    expect(allPolicies(model).filter((p) => p.kind !== 'identity').length).toBeGreaterThan(0);
    expect(publicPrincipalsInAllow(model)).toEqual([]);
  });

  test('every bucket blocks public access (all four flags), is encrypted, disables ACLs and refuses HTTP and TLS < 1.2', () => {
    expect(bucketProblems(model)).toEqual([]);
  });

  test('every bucket aborts incomplete uploads, versioned ones expire old versions, the ledger and query results expire', () => {
    const mustExpire = [ledgerBucketName(DEFAULT_SETTINGS), auditResultsBucketName(DEFAULT_SETTINGS)];
    expect(lifecycleProblems(model, mustExpire)).toEqual([]);
  });

  test('the export bucket is versioned (exact-version deletes); the ledger is not (one current record per key)', () => {
    expect(model.buckets.get(DEFAULT_SETTINGS.exportBucket)?.versioned).toBe(true);
    expect(model.buckets.get(ledgerBucketName(DEFAULT_SETTINGS))?.versioned).toBe(false);
  });

  test('every pull bucket is BucketOwnerEnforced: objects written by pull ARNs belong to the platform', () => {
    for (const d of datasets.pull)
      expect(model.buckets.get(pullBucketName(DEFAULT_SETTINGS, d.name))?.ownership).toBe('BucketOwnerEnforced');
  });

  test("every log group has a retention, and every function logs into its own stack's group", () => {
    expect(model.logGroups.size).toBe(datasets.push.length);
    expect(logProblems(model)).toEqual([]);
  });

  test('every dead-letter queue is encrypted and has its policy', () => {
    expect(queueProblems(model)).toEqual([]);
  });

  test("every rule sends only its dataset's prefix to its own exporter, which writes only its target (and its own records)", () => {
    expect(routingProblems(model, DEFAULT_SETTINGS)).toEqual([]);
  });

  test('exporter roles trust the Lambda service only', () => {
    expect(trustProblems(model)).toEqual([]);
  });
});
