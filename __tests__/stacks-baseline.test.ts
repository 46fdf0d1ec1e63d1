import { only, policyOf, resources, synthesize, target, type StackJson } from './helpers/synth';

/**
 * The security and behaviour baseline of the synthesized Terraform JSON, resource by resource, for the fixture
 * datasets (__tests__/fixtures/datasets): proj, proj_2 (keep_files), proj2 (stream); share_a (allow_push,
 * versioned), share_b; alpha_user_shared is in every one of them.
 */
const { stacks } = synthesize();
const exporter = stacks['exporter'];

function bucketsOf(stack: StackJson) {
  return Object.entries(resources(stack, 'aws_s3_bucket')).map(([id, b]) => ({ id, name: String(b.bucket) }));
}

/** The resources of `type` in `stack` that point at the bucket created by construct `bucketId`. */
function attached(stack: StackJson, type: string, bucketId: string) {
  return Object.values(resources(stack, type)).filter((r) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`);
}

describe.each(Object.keys(stacks).filter((id) => bucketsOf(stacks[id]).length > 0))('buckets of %s', (id) => {
  const stack = stacks[id];
  test.each(bucketsOf(stack))('$name is private, owner-enforced, encrypted and TLS-only', ({ id: bucketId }) => {
    const [block] = attached(stack, 'aws_s3_bucket_public_access_block', bucketId);
    expect(block).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const [ownership] = attached(stack, 'aws_s3_bucket_ownership_controls', bucketId);
    expect(ownership).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
    const [sse] = attached(stack, 'aws_s3_bucket_server_side_encryption_configuration', bucketId);
    expect(sse).toMatchObject({ rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }] });
    const [policy] = attached(stack, 'aws_s3_bucket_policy', bucketId);
    const statements = policyOf(policy.policy).Statement;
    const bucket = `arn:aws:s3:::${String(resources(stack, 'aws_s3_bucket')[bucketId].bucket)}`;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Resource: [bucket, `${bucket}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Resource: [bucket, `${bucket}/*`],
          Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
        }),
      ]),
    );
    const [lifecycle] = attached(stack, 'aws_s3_bucket_lifecycle_configuration', bucketId);
    expect(lifecycle.rule).toEqual(
      expect.arrayContaining([expect.objectContaining({ abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] })]),
    );
  });
});

describe('exporter stack', () => {
  test('the export bucket is versioned, expires old versions and sends its events to EventBridge', () => {
    const exportBucket = bucketsOf(exporter).find((b) => b.name === 'mojap-hub-exports')!;
    expect(attached(exporter, 'aws_s3_bucket_versioning', exportBucket.id)).toEqual([
      expect.objectContaining({ versioning_configuration: { status: 'Enabled' } }),
    ]);
    const [lifecycle] = attached(exporter, 'aws_s3_bucket_lifecycle_configuration', exportBucket.id);
    expect(lifecycle.rule).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 30 }] }),
      ]),
    );
    expect(attached(exporter, 'aws_s3_bucket_notification', exportBucket.id)).toEqual([
      expect.objectContaining({ eventbridge: true }),
    ]);
  });

  test('the export bucket expires receipts 400 days after they are written (then as old versions, 30 days later)', () => {
    const exportBucket = bucketsOf(exporter).find((b) => b.name === 'mojap-hub-exports')!;
    const [lifecycle] = attached(exporter, 'aws_s3_bucket_lifecycle_configuration', exportBucket.id);
    const rules = lifecycle.rule as { id: string }[];
    expect(rules.find((r) => r.id === 'expire-receipts')).toEqual({
      id: 'expire-receipts',
      status: 'Enabled',
      filter: [{ prefix: 'export-receipts/' }],
      expiration: [{ days: 400 }],
    });
    // The whole-bucket rule that removes expired (noncurrent) versions covers the receipts too.
    expect(rules.find((r) => r.id === 'expire-noncurrent-versions')).toMatchObject({ filter: [{ prefix: '' }] });
  });

  test('the export bucket policy: nobody deletes a receipt, nobody but an exporter writes one, and only once', () => {
    const exportBucket = bucketsOf(exporter).find((b) => b.name === 'mojap-hub-exports')!;
    const [policy] = attached(exporter, 'aws_s3_bucket_policy', exportBucket.id);
    const statements = policyOf(policy.policy).Statement;
    const receipts = 'arn:aws:s3:::mojap-hub-exports/export-receipts/*';
    expect(statements.map((s) => s.Sid)).toEqual([
      'DenyInsecureTransport',
      'DenyTlsBelow12',
      'DenyChangingReceipts',
      'DenyReceiptWritesButExporters',
      'DenyReplacingReceipts',
    ]);
    const deny = { Effect: 'Deny', Principal: '*', Resource: receipts };
    expect(statements.slice(2)).toEqual([
      {
        Sid: 'DenyChangingReceipts',
        ...deny,
        Action: [
          's3:DeleteObject',
          's3:DeleteObjectVersion',
          's3:PutObjectTagging',
          's3:PutObjectVersionTagging',
          's3:DeleteObjectTagging',
          's3:DeleteObjectVersionTagging',
        ],
      },
      {
        Sid: 'DenyReceiptWritesButExporters',
        ...deny,
        Action: ['s3:PutObject'],
        Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::593291632749:role/service-role/export_*-move' } },
      },
      {
        Sid: 'DenyReplacingReceipts',
        ...deny,
        Action: ['s3:PutObject'],
        Condition: { Null: { 's3:if-none-match': 'true' } },
      },
    ]);
  });

  test('the ledger bucket is unversioned, sends no events and expires each record 30 days after its last write', () => {
    const ledger = bucketsOf(exporter).find((b) => b.name === 'mojap-hub-exports-ledger')!;
    expect(attached(exporter, 'aws_s3_bucket_versioning', ledger.id)).toEqual([]);
    expect(attached(exporter, 'aws_s3_bucket_notification', ledger.id)).toEqual([]);
    const [lifecycle] = attached(exporter, 'aws_s3_bucket_lifecycle_configuration', ledger.id);
    expect(lifecycle.rule).toEqual(expect.arrayContaining([expect.objectContaining({ expiration: [{ days: 30 }], filter: [{ prefix: '' }] })]));
  });

  test('holds the exporter code once, at the key every push stack derives', () => {
    const object = only(exporter, 'aws_s3_object');
    expect(target(exporter, object.bucket).bucket).toBe('mojap-hub-exports-lambda-code');
    for (const id of ['push-proj', 'push-proj_2', 'push-proj2']) {
      const fn = only(stacks[id], 'aws_lambda_function');
      expect(fn.s3_bucket).toBe('mojap-hub-exports-lambda-code');
      expect(fn.s3_key).toBe(object.key);
    }
    expect(String(object.key)).toMatch(/^exporter\/[0-9a-f]{64}\.zip$/);
  });

  test('names no dataset, so adding one never changes it', () => {
    // Except in the audit table's partition `projection.*` properties, which are not a dataset's.
    expect(JSON.stringify(exporter)).not.toMatch(/proj(?!ection)|share_/);
  });

  test('has an alarm topic that only this account\'s CloudWatch alarms may publish to', () => {
    const topic = only(exporter, 'aws_sns_topic');
    expect(topic.name).toBe('mojap-hub-exports-alarms');
    const [statement] = policyOf(only(exporter, 'aws_sns_topic_policy').policy).Statement;
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['sns:Publish'],
      Condition: { StringEquals: { 'aws:SourceAccount': '593291632749' } },
    });
  });
});

describe.each([
  ['proj', 'receiver-proj', '111122223333', false, 'copy', ['alpha_user_shared', 'alpha_user_p1']],
  // Its fixture writes the owner unquoted: the leading zero must reach the policy and the function.
  ['proj_2', 'receiver-proj-2', '012345678901', true, 'copy', ['alpha_user_shared']],
  ['proj2', 'receiver.proj2.example-org', '777788889999', false, 'stream', ['alpha_user_p3']],
] as const)('push-%s', (name, bucket, owner, keepFiles, transfer, users) => {
  const stack = stacks[`push-${name}`];
  const role = only(stack, 'aws_iam_role');
  const exporterPolicy = policyOf(resources(stack, 'aws_iam_role_policy')['exporter-policy'].policy).Statement;
  const fn = only(stack, 'aws_lambda_function');

  test('the exporter role has the receivers\' name and path, and only Lambda can assume it', () => {
    expect(role).toMatchObject({ name: `export_${name}-move`, path: '/service-role/' });
    expect(JSON.parse(String(role.assume_role_policy)).Statement).toEqual([
      { Sid: 'AssumedByService', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: ['sts:AssumeRole'] },
    ]);
  });

  test('the exporter reads only its own prefix, deletes only when moving, and writes only its target', () => {
    const bySid = Object.fromEntries(exporterPolicy.map((s) => [s.Sid, s]));
    expect(bySid.ReadOwnPrefix.Resource).toBe(`arn:aws:s3:::mojap-hub-exports/${name}/*`);
    expect(bySid.ReadOwnPrefix.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    if (keepFiles) expect(bySid.DeleteExportedVersions).toBeUndefined();
    else expect(bySid.DeleteExportedVersions).toMatchObject({ Action: ['s3:DeleteObjectVersion'], Resource: `arn:aws:s3:::mojap-hub-exports/${name}/*` });
    // A copy or stream too long for one invocation keeps its handover under .exporter-state/<name>/.
    expect(bySid.ListOwnPrefix).toMatchObject({
      Resource: 'arn:aws:s3:::mojap-hub-exports',
      Condition: { StringLike: { 's3:prefix': [`${name}/*`, `.exporter-state/${name}/*`] } },
    });
    expect(bySid.KeepHandovers).toEqual({
      Sid: 'KeepHandovers',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObjectVersion'],
      Resource: `arn:aws:s3:::mojap-hub-exports/.exporter-state/${name}/*`,
    });
    expect(bySid.WriteTarget.Resource).toBe(`arn:aws:s3:::${bucket}/${name}/*`);
    // Only in the approved receiving account: the same bucket name in any other account is out of reach.
    expect(bySid.WriteTarget.Condition).toEqual({ StringEquals: { 's3:ResourceAccount': owner } });
    // Clean-up lists the target's incomplete uploads: on the bucket itself (S3 has no prefix condition for it).
    expect(bySid.CleanUpTarget).toMatchObject({ Action: ['s3:ListBucketMultipartUploads'], Resource: `arn:aws:s3:::${bucket}`, Condition: bySid.WriteTarget.Condition });
    // Its own ledger records, and listing them (a missing record is then a 404).
    expect(bySid.KeepLedger).toMatchObject({ Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::mojap-hub-exports-ledger/${name}/*` });
    expect(bySid.ListOwnLedger).toMatchObject({ Resource: 'arn:aws:s3:::mojap-hub-exports-ledger', Condition: { StringLike: { 's3:prefix': [`${name}/*`] } } });
    expect(bySid.WriteOwnLogs.Resource).toBe(`arn:aws:logs:eu-west-1:593291632749:log-group:/aws/lambda/export_${name}-move:*`);
    expect(bySid.SendFailedEvents.Resource).toBe(`arn:aws:sqs:eu-west-1:593291632749:export_${name}-move-failed`);
    for (const s of exporterPolicy) for (const a of s.Action) expect(a).not.toMatch(/\*/);
  });

  test('the function runs the exporter for this dataset', () => {
    expect(fn).toMatchObject({
      function_name: `export_${name}-move`,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      memory_size: 1024,
      timeout: 900,
      environment: {
        variables: {
          DATASET: name,
          TARGET_BUCKET: bucket,
          TARGET_BUCKET_OWNER: owner,
          PLATFORM_ACCOUNT: '593291632749',
          LEDGER_BUCKET: 'mojap-hub-exports-ledger',
          KEEP_FILES: String(keepFiles),
          TRANSFER_MODE: transfer,
          EXPORTER_PRINCIPAL: `arn:aws:iam::593291632749:role/service-role/export_${name}-move`,
        },
      },
    });
    expect(target(stack, fn.role)).toBe(role);
    expect(only(stack, 'aws_cloudwatch_log_group')).toMatchObject({ name: `/aws/lambda/export_${name}-move`, retention_in_days: 400 });
  });

  test('the rule matches Object Created under "<name>/" (and its handovers) of the export bucket only', () => {
    const rule = only(stack, 'aws_cloudwatch_event_rule');
    const handovers = [{ prefix: `.exporter-state/${name}/` }];
    expect(JSON.parse(String(rule.event_pattern))).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['mojap-hub-exports'] }, object: { key: [{ prefix: `${name}/` }, ...handovers] } },
    });
    const ruleTarget = only(stack, 'aws_cloudwatch_event_target');
    expect(target(stack, ruleTarget.arn)).toBe(fn);
    const permission = only(stack, 'aws_lambda_permission');
    expect(permission).toMatchObject({ principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction' });
    expect(target(stack, permission.source_arn)).toBe(rule);
  });

  test('a failed export ends in the dead-letter queue, which raises an alarm', () => {
    const queue = only(stack, 'aws_sqs_queue');
    expect(queue).toMatchObject({ name: `export_${name}-move-failed`, sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
    const invoke = only(stack, 'aws_lambda_function_event_invoke_config');
    expect(invoke).toMatchObject({ maximum_retry_attempts: 2, maximum_event_age_in_seconds: 21600 });
    expect(target(stack, (invoke.destination_config as { on_failure: { destination: string } }).on_failure.destination)).toBe(queue);
    expect(target(stack, (only(stack, 'aws_cloudwatch_event_target').dead_letter_config as { arn: string }).arn)).toBe(queue);
    const queuePolicy = policyOf(only(stack, 'aws_sqs_queue_policy').policy).Statement;
    expect(queuePolicy[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:events:eu-west-1:593291632749:rule/export_${name}-move` } },
    });
    const alarms = Object.values(resources(stack, 'aws_cloudwatch_metric_alarm'));
    expect(alarms.map((a) => [a.namespace, a.metric_name])).toEqual([
      ['AWS/Lambda', 'Errors'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ]);
    for (const a of alarms) expect(a.alarm_actions).toEqual(['arn:aws:sns:eu-west-1:593291632749:mojap-hub-exports-alarms']);
  });

  test('each user may upload under "<name>/", list it and read its receipts, through a policy named after the dataset', () => {
    const userPolicies = Object.entries(resources(stack, 'aws_iam_role_policy')).filter(([id]) => id !== 'exporter-policy');
    expect(userPolicies.map(([, p]) => p.role).sort()).toEqual([...users].sort());
    for (const [, p] of userPolicies) {
      expect(p.name).toBe(`hub-exports-push-${name}`);
      const [upload, list, ...rest] = policyOf(p.policy).Statement;
      expect(upload).toMatchObject({ Effect: 'Allow', Resource: `arn:aws:s3:::mojap-hub-exports/${name}/*` });
      expect(upload.Action).toContain('s3:PutObject');
      expect(upload.Action).not.toContain('s3:GetObject');
      expect(list).toMatchObject({ Action: ['s3:ListBucket'], Condition: { StringLike: { 's3:prefix': [`${name}/`, `${name}/*`] } } });
      // Receipts: exactly these two statements more, read and list under "export-receipts/<name>/", slash included.
      const receipts = `export-receipts/${name}/`;
      expect(rest).toEqual([
        { Sid: 'ReadDatasetReceipts', Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::mojap-hub-exports/${receipts}*` },
        {
          Sid: 'ListDatasetReceipts',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: 'arn:aws:s3:::mojap-hub-exports',
          Condition: { StringLike: { 's3:prefix': [receipts, `${receipts}*`] } },
        },
      ]);
    }
  });

  test('every resource is tagged with the dataset and a tag-safe paperwork reference', () => {
    const tags = stack.provider.aws[0].default_tags[0].tags;
    expect(tags).toMatchObject({ application: 'hub-exports', 'managed-by': 'cdktf', dataset: name });
    expect(tags.paperwork).toMatch(/^[\p{L}\p{N} +\-=._:/@]{1,256}$/u);
  });
});

test('sanitised paperwork keeps what a reviewer needs to find the document', () => {
  expect(stacks['push-proj'].provider.aws[0].default_tags[0].tags.paperwork).toBe('DPIA-FIXTURE-1 fixture quoted comma ampersand');
  expect(stacks['push-proj_2'].provider.aws[0].default_tags[0].tags.paperwork).toBe('https://example.org/dpia/fixture-2 version=3 top');
});

test('keep_files does not change the exporter role receivers name in their bucket policies', () => {
  const roleOf = (id: string) => JSON.stringify(only(stacks[id], 'aws_iam_role')).replace(/proj_2|proj/g, 'X');
  expect(roleOf('push-proj_2')).toBe(roleOf('push-proj'));
});

describe.each([
  ['share_a', 'mojap-share-a', true, true, ['alpha_user_shared', 'alpha_user_p1'], ['arn:aws:iam::111122223333:role/reader-a', 'arn:aws:iam::444455556666:role/team/writer-a']],
  ['share_b', 'mojap-share-b', false, false, ['alpha_user_shared'], ['arn:aws:iam::111122223333:role/reader-b']],
] as const)('pull-%s', (name, bucketName, allowPush, versioned, users, readers) => {
  const stack = stacks[`pull-${name}`];
  const [bucket] = Object.entries(resources(stack, 'aws_s3_bucket'));

  test(`the bucket is ${bucketName}, versioned only when asked`, () => {
    expect(bucket[1].bucket).toBe(bucketName);
    expect(attached(stack, 'aws_s3_bucket_versioning', bucket[0]).length).toBe(versioned ? 1 : 0);
  });

  test('pull_arns read and list, and write only with allow_push', () => {
    const statements = policyOf(only(stack, 'aws_s3_bucket_policy').policy).Statement.filter((s) => s.Effect === 'Allow');
    for (const s of statements) expect(s.Principal).toEqual({ AWS: readers });
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ExternalRead).toMatchObject({ Resource: `arn:aws:s3:::${bucketName}/*` });
    expect(bySid.ExternalList).toMatchObject({ Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: `arn:aws:s3:::${bucketName}` });
    if (allowPush) expect(bySid.ExternalWrite.Action).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    else expect(bySid.ExternalWrite).toBeUndefined();
  });

  test('each user reads, writes and lists the bucket through a policy named after the dataset', () => {
    const policies = Object.values(resources(stack, 'aws_iam_role_policy'));
    expect(policies.map((p) => p.role).sort()).toEqual([...users].sort());
    for (const p of policies) {
      expect(p.name).toBe(`hub-exports-pull-${name}`);
      const [objects, list] = policyOf(p.policy).Statement;
      expect(objects.Action).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']));
      expect(objects.Resource).toBe(`arn:aws:s3:::${bucketName}/*`);
      expect(list.Resource).toBe(`arn:aws:s3:::${bucketName}`);
    }
  });
});

test('a user in two push and two pull datasets gets four distinct policies, one per stack', () => {
  const names = Object.entries(stacks).flatMap(([, stack]) =>
    Object.values(resources(stack, 'aws_iam_role_policy'))
      .filter((p) => p.role === 'alpha_user_shared')
      .map((p) => String(p.name)),
  );
  expect(names.sort()).toEqual(['hub-exports-pull-share_a', 'hub-exports-pull-share_b', 'hub-exports-push-proj', 'hub-exports-push-proj_2']);
});

describe('a paused dataset (fixture halted, share_halted): stopped by the ordinary deploy, nothing destroyed', () => {
  const push = stacks['push-halted'];
  const pull = stacks['pull-share_halted'];
  const outputOf = (stack: StackJson) => (stack as { output?: Record<string, { value: unknown }> }).output;

  test('the plan says it in words: the output "paused" holds the reason; a running dataset has none', () => {
    expect(outputOf(push)?.paused.value).toBe('INC-0042: the receiver reported a misdirected file');
    expect(outputOf(pull)?.paused.value).toBe('INC-0043: reader-h credentials leaked');
    expect(outputOf(stacks['push-proj'])?.paused).toBeUndefined();
    expect(outputOf(stacks['pull-share_a'])?.paused).toBeUndefined();
  });

  test('push: the exporter runs no invocation (reserved concurrency 0); a running one is not limited', () => {
    expect(only(push, 'aws_lambda_function').reserved_concurrent_executions).toBe(0);
    expect(only(stacks['push-proj'], 'aws_lambda_function').reserved_concurrent_executions).toBeUndefined();
  });

  test('push: the same resources as when running, the rule and queue included; the users lose the upload statement only', () => {
    const types = (stack: StackJson) => Object.keys(stack.resource ?? {}).sort();
    expect(types(push)).toEqual(types(stacks['push-proj']));
    const [user] = Object.values(resources(push, 'aws_iam_role_policy')).filter((p) => p.role === 'alpha_user_p4');
    expect(policyOf(user.policy).Statement.map((st) => st.Sid)).toEqual([
      'ListDatasetPrefix',
      'ReadDatasetReceipts',
      'ListDatasetReceipts',
    ]);
  });

  test('pull: the bucket and the users stay; its policy grants the pull_arns nothing', () => {
    expect(only(pull, 'aws_s3_bucket').bucket).toBe('mojap-share-halted');
    const statements = policyOf(only(pull, 'aws_s3_bucket_policy').policy).Statement;
    expect(statements.map((st) => st.Sid)).toEqual(['DenyInsecureTransport', 'DenyTlsBelow12']);
    expect(Object.values(resources(pull, 'aws_iam_role_policy')).map((p) => p.role)).toEqual(['alpha_user_p4']);
  });
});

test('no stack refers to another (derived names only), so each can be planned alone', () => {
  for (const stack of Object.values(stacks)) {
    expect(JSON.stringify(stack)).not.toMatch(/terraform_remote_state|cross-stack-output/);
    expect(stack.terraform?.backend).toEqual({ local: { path: expect.stringMatching(/^\.\.\/\.\.\/\.\.\/terraform\.[\w-]+\.tfstate$/) } });
  }
});
