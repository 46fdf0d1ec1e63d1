import { DEFAULT_SETTINGS } from '../../naming';
import { synthesize } from '../helpers/synth';
import {
  bucketProblems,
  logProblems,
  publicPrincipalsInAllow,
  queueProblems,
  routingProblems,
  trustProblems,
  wildcardActionsInAllow,
  wildcardResourcesInAllow,
} from './checks';
import { MATRIX } from './matrix';
import { loadModel, type Stack } from './model';
import { editPolicies, editResources, replaceText, withStatements } from './mutate';
import { failingCells } from './simulate';

/**
 * Proof that the matrix and the static checks can fail: widen the synthesized JSON the way a mistake would, and the
 * named cells (exactly those) must flip. A mutation that flips fewer cells means the matrix lost coverage; one that
 * flips more means a cell now depends on something it should not. Edits throw when they change nothing.
 */
const { stacks } = synthesize();
const flips = (mutated: Record<string, Stack>) => failingCells(loadModel(mutated), MATRIX);
const addAction = (sid: string, action: string) =>
  withStatements((s) => (s.Sid === sid ? { ...s, Action: [...(s.Action as string[]), action] } : s));

test('the unmutated fixture fails no cell', async () => {
  expect(await flips(stacks)).toEqual([]);
});

describe('widening a policy flips exactly the cells that guard against it', () => {
  test('a prefix without its trailing slash (mojap-hub-exports/proj/* → proj*) reaches proj_2/ and proj2/', async () => {
    const m = replaceText(
      stacks,
      ['push-proj'],
      'arn:aws:s3:::mojap-hub-exports/proj/*',
      'arn:aws:s3:::mojap-hub-exports/proj*',
    );
    expect(await flips(m)).toEqual([
      'alpha_user_p1 s3:PutObject mojap-hub-exports/proj → Denied',
      'alpha_user_p1 s3:PutObject mojap-hub-exports/proj_2/data.csv → Denied',
      'alpha_user_p1 s3:PutObject mojap-hub-exports/proj_2/big.bin [CreateMultipartUpload] → Denied',
      'alpha_user_p1 s3:PutObject mojap-hub-exports/proj2/data.csv → Denied',
      'alpha_user_p1 s3:PutObject mojap-hub-exports/proj-archive/data.csv → Denied',
      'alpha_user_p1 s3:AbortMultipartUpload mojap-hub-exports/proj_2/big.bin → Denied',
      'alpha_user_shared s3:PutObject mojap-hub-exports/proj2/data.csv → Denied',
      'export_proj-move s3:GetObjectVersion mojap-hub-exports/proj_2/data.csv → Denied',
      'export_proj-move s3:DeleteObjectVersion mojap-hub-exports/proj_2/data.csv → Denied',
      'export_proj-move s3:GetObjectVersion mojap-hub-exports/proj2/data.csv → Denied',
      'export_proj-move s3:GetObject mojap-hub-exports/proj_2/0a1b.json → Denied',
    ]);
  });

  test('a listing condition without its trailing slash (s3:prefix proj*) lists the other datasets', async () => {
    const m = replaceText(stacks, ['push-proj'], '"s3:prefix":["proj/","proj/*"]', '"s3:prefix":["proj*"]');
    expect(await flips(m)).toEqual([
      'alpha_user_p1 s3:ListBucket mojap-hub-exports [prefix "proj"] → Denied',
      'alpha_user_p1 s3:ListBucket mojap-hub-exports [prefix "proj_2/"] → Denied',
    ]);
  });

  test("s3:GetObject added to the push users' policy lets them read each other's uploads", async () => {
    const m = editPolicies(stacks, ['push-proj'], 'aws_iam_role_policy', (d, id) =>
      id.startsWith('user-') ? addAction('UploadToDatasetPrefix', 's3:GetObject')(d) : d,
    );
    expect(await flips(m)).toEqual([
      'alpha_user_p1 s3:GetObject mojap-hub-exports/proj/data.csv → Denied',
      'alpha_user_shared s3:GetObject mojap-hub-exports/proj/data.csv → Denied',
    ]);
  });

  test('dropping the TLS deny statements of every bucket policy lets HTTP and TLS 1.1 through', async () => {
    // By Sid: the export bucket's other Denies (receipts) are mutation-receipts.test.ts's.
    const tls = ['DenyInsecureTransport', 'DenyTlsBelow12'];
    const m = editPolicies(
      stacks,
      '*',
      'aws_s3_bucket_policy',
      withStatements((s) => (s.Effect === 'Deny' && tls.includes(s.Sid ?? '') ? undefined : s)),
    );
    const flipped = await flips(m);
    expect(flipped).toHaveLength(17);
    expect(flipped.every((t) => /\[(HTTP|TLS 1\.1)\] → Explicitly denied$/.test(t))).toBe(true);
    // Every bucket loses it, so every bucket's transport cells flip (the queue keeps its own deny).
    const buckets = [
      'mojap-hub-exports/',
      'mojap-hub-exports-ledger/',
      'mojap-hub-exports-lambda-code/',
      'mojap-hub-exports-audit-results/',
    ];
    for (const b of [...buckets, 'mojap-share-a/', 'mojap-share-b']) {
      expect([b, flipped.some((t) => t.includes(` ${b}`))]).toEqual([b, true]);
    }
  });

  test("a handover prefix without its slash (.exporter-state/proj*) reaches proj_2's and proj2's", async () => {
    const m = replaceText(
      stacks,
      ['push-proj'],
      'arn:aws:s3:::mojap-hub-exports/.exporter-state/proj/*',
      'arn:aws:s3:::mojap-hub-exports/.exporter-state/proj*',
    );
    expect(await flips(m)).toEqual([
      'export_proj-move s3:PutObject mojap-hub-exports/.exporter-state/proj_2/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports/.exporter-state/proj2/0a1b.json → Denied',
    ]);
  });

  test("keep_files ignored: DeleteObjectVersion granted to proj_2's exporter", async () => {
    const m = editPolicies(stacks, ['push-proj_2'], 'aws_iam_role_policy', (d, id) =>
      id === 'exporter-policy' ? addAction('ReadOwnPrefix', 's3:DeleteObjectVersion')(d) : d,
    );
    expect(await flips(m)).toEqual([
      'export_proj_2-move s3:DeleteObjectVersion mojap-hub-exports/proj_2/data.csv → Denied',
    ]);
  });

  test('a target bucket pattern (receiver-proj/proj/* → receiver-*) reaches other folders of its receiver', async () => {
    const m = replaceText(stacks, ['push-proj'], 'arn:aws:s3:::receiver-proj/proj/*', 'arn:aws:s3:::receiver-*');
    // Another dataset's receiver (receiver-proj-2) stays out of reach: it is in another account than proj's
    // bucket_owner, and the s3:ResourceAccount condition still holds.
    expect(await flips(m)).toEqual([
      'export_proj-move s3:PutObject receiver-proj/proj_2/data.csv [receiver trusts platform account] → Denied',
    ]);
  });

  test('a target without its dataset prefix (receiver-proj/proj/* → receiver-proj/*) reaches other folders there', async () => {
    const m = replaceText(stacks, ['push-proj'], 'arn:aws:s3:::receiver-proj/proj/*', 'arn:aws:s3:::receiver-proj/*');
    expect(await flips(m)).toEqual([
      'export_proj-move s3:PutObject receiver-proj/proj_2/data.csv [receiver trusts platform account] → Denied',
    ]);
  });

  test("the receiver's key statement without kms:ViaService: the role could use the key outside S3", async () => {
    const m = editPolicies(stacks, ['push-proj2'], 'aws_iam_role_policy', (d, id) =>
      id === 'exporter-policy'
        ? withStatements((st) => (st.Sid === 'EncryptWithTargetKey' ? { ...st, Condition: undefined } : st))(d)
        : d,
    );
    expect(await flips(m)).toEqual([
      'export_proj2-move kms:Decrypt key:arn:aws:kms:eu-west-2:777788889999:key/1234abcd-12ab-34cd-56ef-1234567890ab ' +
        '[receiver trusts platform account] → Denied',
    ]);
  });

  test("the receiver's key statement on every key of the receiver's account reaches its other keys", async () => {
    const m = replaceText(
      stacks,
      ['push-proj2'],
      '"Resource":"arn:aws:kms:eu-west-2:777788889999:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
      '"Resource":"arn:aws:kms:eu-west-2:777788889999:key/*"',
    );
    expect(await flips(m)).toEqual([
      'export_proj2-move kms:GenerateDataKey key:arn:aws:kms:eu-west-2:777788889999:key/' +
        'mrk-0123456789abcdef0123456789abcdef ' +
        '[via s3.eu-west-2.amazonaws.com, receiver trusts platform account] → Denied',
    ]);
  });

  test('a pull bucket naming the account (…:root) instead of the role lets every role of that account read', async () => {
    const m = replaceText(
      stacks,
      ['pull-share_a'],
      'arn:aws:iam::111122223333:role/reader-a',
      'arn:aws:iam::111122223333:root',
    );
    expect(await flips(m)).toEqual([
      'arn:aws:iam::111122223333:role/reader-b s3:GetObject mojap-share-a/out.csv → Denied',
      'arn:aws:iam::111122223333:role/someone-else s3:GetObject mojap-share-a/out.csv → Denied',
    ]);
  });

  test('a Lambda permission without source_arn lets any EventBridge rule invoke the exporter', async () => {
    const m = editResources(stacks, ['push-proj'], 'aws_lambda_permission', (r) => delete r.source_arn);
    expect(await flips(m)).toEqual([
      'events.amazonaws.com lambda:InvokeFunction fn:export_proj-move [SourceArn rule/export_proj_2-move] → Denied',
      'events.amazonaws.com lambda:InvokeFunction fn:export_proj-move [SourceArn rule/someone-elses-rule] → Denied',
      'events.amazonaws.com lambda:InvokeFunction fn:export_proj-move → Denied',
    ]);
  });

  test("a dead-letter queue policy without its aws:SourceArn condition accepts any rule's events", async () => {
    const m = editPolicies(
      stacks,
      ['push-proj'],
      'aws_sqs_queue_policy',
      withStatements((s) => (s.Effect === 'Allow' ? { ...s, Condition: undefined } : s)),
    );
    expect(await flips(m)).toEqual([
      'events.amazonaws.com sqs:SendMessage queue:export_proj-move-failed [SourceArn rule/export_proj_2-move] → Denied',
    ]);
  });

  // AWS's RestrictPublicBuckets, as iam-simulate models it: with a public policy only the owner's account gets in.
  test("a public bucket policy: Block Public Access keeps outsiders out, but the platform's own roles get in", async () => {
    const publicRead = editPolicies(stacks, ['pull-share_b'], 'aws_s3_bucket_policy', (d) => ({
      ...d,
      Statement: [
        ...d.Statement,
        {
          Sid: 'Public',
          Effect: 'Allow',
          Principal: '*',
          Action: ['s3:GetObject'],
          Resource: 'arn:aws:s3:::mojap-share-b/*',
        },
      ],
    }));
    expect(await flips(publicRead)).toEqual([
      'alpha_user_p1 s3:GetObject mojap-share-b/out.csv → Denied',
      'arn:aws:iam::111122223333:role/reader-b s3:GetObject mojap-share-b/out.csv → Allowed',
      'arn:aws:iam::111122223333:role/reader-b s3:ListBucket mojap-share-b → Allowed',
      'arn:aws:iam::111122223333:role/reader-b s3:ListBucket mojap-share-b [TLS 1.2] → Allowed',
    ]);
    const unblocked = editResources(
      publicRead,
      ['pull-share_b'],
      'aws_s3_bucket_public_access_block',
      (r) => (r.restrict_public_buckets = false),
    );
    // With RestrictPublicBuckets off as well, everybody reads: the anonymous cell and every outsider's cell flip.
    expect(await flips(unblocked)).toEqual([
      'alpha_user_p1 s3:GetObject mojap-share-b/out.csv → Denied',
      'arn:aws:iam::444455556666:role/team/writer-a s3:GetObject mojap-share-b/out.csv → Denied',
      'arn:aws:iam::111122223333:role/reader-a s3:GetObject mojap-share-b/out.csv → Denied',
      'anonymous s3:GetObject mojap-share-b/proj/data.csv → Denied',
      'arn:aws:iam::123456789012:role/stranger s3:GetObject mojap-share-b/out.csv → Denied',
    ]);
  });

  test('a trust policy that also trusts the platform account lets its administrators become the exporter', async () => {
    const m = replaceText(
      stacks,
      ['push-proj'],
      '"Principal":{"Service":"lambda.amazonaws.com"}',
      '"Principal":{"Service":"lambda.amazonaws.com","AWS":"arn:aws:iam::593291632749:root"}',
    );
    expect(await flips(m)).toEqual(['platform-admin sts:AssumeRole role:export_proj-move → Denied']);
    expect(trustProblems(loadModel(m))).toHaveLength(1);
  });
});

describe('each static check reports the mistake it exists for', () => {
  const problems = (m: Record<string, Stack>, check: (model: ReturnType<typeof loadModel>) => string[]) =>
    check(loadModel(m));

  test('a wildcard action in an Allow', () => {
    const m = editPolicies(stacks, ['pull-share_a'], 'aws_s3_bucket_policy', addAction('ExternalRead', 's3:*'));
    expect(problems(m, wildcardActionsInAllow)).toEqual([
      'pull-share_a bucket mojap-share-a statement ExternalRead: Allow of wildcard action s3:*',
    ]);
  });

  test('an Allow on resource *, or on a bucket name pattern', () => {
    const star = replaceText(stacks, ['push-proj'], 'arn:aws:s3:::receiver-proj/proj/*', '*');
    expect(problems(star, wildcardResourcesInAllow)).toEqual([
      'push-proj aws_iam_role_policy.exporter-policy (arn:aws:iam::593291632749:role/service-role/export_proj-move) statement WriteTarget: Allow on resource *',
    ]);
    const pattern = replaceText(stacks, ['push-proj'], 'arn:aws:s3:::receiver-proj/proj/*', 'arn:aws:s3:::receiver-*');
    expect(problems(pattern, wildcardResourcesInAllow)).toHaveLength(1);
  });

  test('an Allow to principal *', () => {
    const m = replaceText(stacks, ['pull-share_b'], '{"AWS":["arn:aws:iam::111122223333:role/reader-b"]}', '"*"');
    expect(problems(m, publicPrincipalsInAllow)).toHaveLength(2);
  });

  test('a bucket without one public access flag, without encryption, with ACLs, or without its TLS denies', () => {
    const flag = editResources(
      stacks,
      ['pull-share_b'],
      'aws_s3_bucket_public_access_block',
      (r) => (r.restrict_public_buckets = false),
    );
    expect(problems(flag, bucketProblems)).toEqual([
      'pull-share_b bucket mojap-share-b: public access block restrict_public_buckets is not true',
    ]);
    const sse = editResources(
      stacks,
      ['exporter'],
      'aws_s3_bucket_server_side_encryption_configuration',
      (r, id) => id.startsWith('code') && (r.rule = []),
    );
    expect(problems(sse, bucketProblems)).toEqual([
      'exporter bucket mojap-hub-exports-lambda-code: no default encryption',
    ]);
    const acl = editResources(
      stacks,
      ['pull-share_a'],
      'aws_s3_bucket_ownership_controls',
      (r) => (r.rule = { object_ownership: 'ObjectWriter' }),
    );
    expect(problems(acl, bucketProblems)).toEqual([
      'pull-share_a bucket mojap-share-a: object ownership is ObjectWriter, not BucketOwnerEnforced',
    ]);
    const tls = editPolicies(
      stacks,
      ['exporter'],
      'aws_s3_bucket_policy',
      withStatements((s) => (s.Sid === 'DenyTlsBelow12' ? undefined : s)),
    );
    expect(problems(tls, bucketProblems)).toEqual([
      'exporter bucket mojap-hub-exports-audit-results: no Deny of s3:TlsVersion below 1.2',
      'exporter bucket mojap-hub-exports-lambda-code: no Deny of s3:TlsVersion below 1.2',
      'exporter bucket mojap-hub-exports: no Deny of s3:TlsVersion below 1.2',
      'exporter bucket mojap-hub-exports-ledger: no Deny of s3:TlsVersion below 1.2',
    ]);
  });

  test('a log group without retention', () => {
    const m = editResources(stacks, ['push-proj2'], 'aws_cloudwatch_log_group', (r) => delete r.retention_in_days);
    expect(problems(m, logProblems)).toEqual(['push-proj2 log group /aws/lambda/export_proj2-move: no retention']);
  });

  test('an unencrypted dead-letter queue', () => {
    const m = editResources(stacks, ['push-proj'], 'aws_sqs_queue', (r) => delete r.sqs_managed_sse_enabled);
    expect(problems(m, queueProblems)).toEqual([
      'push-proj arn:aws:sqs:eu-west-1:593291632749:export_proj-move-failed: not encrypted',
    ]);
  });

  test('an EventBridge rule whose key prefix lost its slash', () => {
    const m = replaceText(stacks, ['push-proj'], '"key":[{"prefix":"proj/"}', '"key":[{"prefix":"proj"}');
    expect(problems(m, (model) => routingProblems(model, DEFAULT_SETTINGS))).toEqual([
      'push-proj rule export_proj-move: key filter [{"prefix":"proj"},{"prefix":".exporter-state/proj/"}] is not ' +
        'exactly the prefixes "proj/" and ".exporter-state/proj/"',
    ]);
  });
});
