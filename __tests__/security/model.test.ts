import { synthesize } from '../helpers/synth';
import { loadModel, ModelError, type Stack } from './model';
import { editResources, replaceText } from './mutate';

/**
 * The loader is the matrix's foundation: it must find every permission in the synthesized JSON, attach it to the
 * right principal or resource, and refuse (never skip) what it cannot follow.
 */
const { stacks } = synthesize();
const model = loadModel(stacks);
const ACCOUNT = '593291632749';

describe('reads the synthesized stacks', () => {
  test("exporter roles carry their IAM path, users' roles are at /, and a user collects one policy per dataset", () => {
    const exporter = `arn:aws:iam::${ACCOUNT}:role/service-role/export_proj-move`;
    expect(model.roles.get(exporter)?.trust.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }),
    ]);
    expect(model.identity.get(exporter)?.map((p) => p.address)).toEqual(['aws_iam_role_policy.exporter-policy']);
    const shared = model.identity.get(`arn:aws:iam::${ACCOUNT}:role/alpha_user_shared`) ?? [];
    expect(shared.map((p) => p.stack).sort()).toEqual(['pull-share_a', 'pull-share_b', 'push-proj', 'push-proj_2']);
  });

  test('bucket policies are attached to the bucket their ${aws_s3_bucket.X.id} names', () => {
    const platform = ['mojap-hub-exports', 'mojap-hub-exports-ledger', 'mojap-hub-exports-lambda-code'];
    for (const name of [...platform, 'mojap-share-a', 'mojap-share-b']) {
      const resources = model.buckets.get(name)?.policy?.Statement.flatMap((s) => s.Resource ?? []) ?? [];
      expect([name, resources.length > 0 && resources.every((r) => r.startsWith(`arn:aws:s3:::${name}`))]).toEqual([
        name,
        true,
      ]);
    }
  });

  test("the Lambda permission becomes the function's resource policy, conditioned on its own rule", () => {
    const fn = model.functions.get(`arn:aws:lambda:eu-west-1:${ACCOUNT}:function:export_proj_2-move`);
    expect(fn?.policy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:events:eu-west-1:${ACCOUNT}:rule/export_proj_2-move` } },
      }),
    ]);
    expect(fn?.role).toBe(`arn:aws:iam::${ACCOUNT}:role/service-role/export_proj_2-move`);
    expect(model.rules.get(`arn:aws:events:eu-west-1:${ACCOUNT}:rule/export_proj_2-move`)?.targets).toEqual([
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:export_proj_2-move`,
    ]);
  });

  test('lifecycle rules are attached to their bucket', () => {
    const ids = (name: string) => model.buckets.get(name)?.lifecycle.map((r) => r.id);
    expect(ids('mojap-hub-exports-ledger')).toEqual(['abort-incomplete-multipart-uploads', 'expire-objects']);
    expect(ids('mojap-share-a')).toEqual(['abort-incomplete-multipart-uploads', 'expire-noncurrent-versions']);
  });

  test('queue and topic policies are attached to their queue and topic', () => {
    expect(
      model.queues.get(`arn:aws:sqs:eu-west-1:${ACCOUNT}:export_proj2-move-failed`)?.value?.Statement,
    ).toHaveLength(2);
    expect(
      model.topics.get(`arn:aws:sns:eu-west-1:${ACCOUNT}:mojap-hub-exports-alarms`)?.value?.Statement,
    ).toHaveLength(1);
  });
});

describe('refuses what it cannot follow', () => {
  const refuses = (mutated: Record<string, Stack>, message: RegExp) => {
    expect(() => loadModel(mutated)).toThrow(ModelError);
    expect(() => loadModel(mutated)).toThrow(message);
  };

  test('a dangling reference', () => {
    refuses(
      replaceText(stacks, ['pull-share_b'], '${aws_s3_bucket.bucket_3056591E.id}', '${aws_s3_bucket.gone.id}'),
      /dangling reference \$\{aws_s3_bucket.gone.id\}/,
    );
    refuses(
      replaceText(stacks, ['push-proj'], '${aws_iam_role.exporter-role.name}', '${aws_iam_role.ghost.name}'),
      /dangling reference/,
    );
  });

  test('an expression that is not a plain reference (a data source, an interpolation)', () => {
    const m = editResources(stacks, ['push-proj'], 'aws_iam_role_policy', (r, id) => {
      if (id === 'exporter-policy') r.policy = '${data.aws_iam_policy_document.export.json}';
    });
    refuses(m, /unresolvable expression/);
    const role = editResources(stacks, ['push-proj'], 'aws_iam_role_policy', (r, id) => {
      if (id === 'user-alpha_user_p1') r.role = 'alpha_${var.user}';
    });
    refuses(role, /unresolvable expression alpha_\$\{var.user\}/);
  });

  test('a reference to an attribute the model does not derive', () => {
    refuses(
      replaceText(
        stacks,
        ['push-proj'],
        '${aws_iam_role.exporter-role.name}',
        '${aws_iam_role.exporter-role.unique_id}',
      ),
      /is not modelled/,
    );
  });

  test('a resource type that may grant access and is not modelled', () => {
    const m = JSON.parse(JSON.stringify(stacks)) as Record<string, Stack>;
    m['pull-share_b'].resource!.aws_s3_access_point = { ap: { bucket: 'mojap-share-b', name: 'ap' } };
    refuses(m, /unknown resource type/);
  });

  test('a policy given inline on a bucket or a queue, where the loader would not look', () => {
    const bucket = editResources(stacks, ['pull-share_b'], 'aws_s3_bucket', (r) => (r.policy = '{"Statement":[]}'));
    refuses(bucket, /aws_s3_bucket.bucket_3056591E: policy is not modelled/);
    refuses(
      editResources(stacks, ['push-proj'], 'aws_sqs_queue', (r) => (r.policy = '{}')),
      /policy is not modelled/,
    );
  });

  test('Lambda permission and role fields that would change the policy', () => {
    refuses(
      editResources(stacks, ['push-proj'], 'aws_lambda_permission', (r) => (r.source_account = ACCOUNT)),
      /source_account is not modelled/,
    );
    refuses(
      editResources(
        stacks,
        ['push-proj'],
        'aws_iam_role',
        (r) => (r.managed_policy_arns = ['arn:aws:iam::aws:policy/AdministratorAccess']),
      ),
      /managed_policy_arns/,
    );
  });

  test('stacks pinned to different accounts (every derived ARN would be wrong)', () => {
    const m = JSON.parse(JSON.stringify(stacks)) as Record<string, Stack>;
    m['pull-share_b'].provider!.aws![0].allowed_account_ids = ['111122223333'];
    refuses(m, /expected one account and region/);
  });
});
