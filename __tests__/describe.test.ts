import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT, loadDatasets } from '../config';
import { describeCommand } from '../bin/describe';
import { DEFAULT_SETTINGS } from '../naming';
import { only, policyOf, resources, synthesize } from './helpers/synth';

/**
 * `describe` must tell people exactly what Terraform builds: every name and ARN it prints is checked against the
 * synthesized stacks of the repository's own datasets, for every example dataset.
 */
function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = describeCommand(argv, env, (t) => out.push(t), (t) => err.push(t));
  return { status, out: out.join('\n'), err: err.join('\n') };
}

const { stacks } = synthesize([PROJECT_ROOT]);
const { datasets } = loadDatasets([PROJECT_ROOT], { settings: DEFAULT_SETTINGS });

describe.each(datasets.push.map((d) => d.name))('push dataset %s', (name) => {
  const stack = stacks[`push-${name}`];
  const described = JSON.parse(run(['--json', name]).out);
  const role = only(stack, 'aws_iam_role');
  const fn = only(stack, 'aws_lambda_function') as { environment: { variables: Record<string, string> } };

  test('the exporter role ARN is the role Terraform creates', () => {
    expect(described.exporterRoleArn).toBe(`arn:aws:iam::${DEFAULT_SETTINGS.account}:role${role.path}${role.name}`);
  });

  test('uploads go where the rule listens, and arrive in the bucket the function writes to', () => {
    const rule = JSON.parse(String(only(stack, 'aws_cloudwatch_event_rule').event_pattern));
    expect(described.uploadTo).toBe(`s3://${rule.detail.bucket.name[0]}/${rule.detail.object.key[0].prefix}`);
    expect(described.receivingBucket).toBe(fn.environment.variables.TARGET_BUCKET);
    expect(described.afterExport).toBe(fn.environment.variables.KEEP_FILES === 'true' ? 'kept' : 'moved');
  });

  test('the receiving account is the one the exporter sends as expected owner, and the only one its role reaches', () => {
    expect(described.bucketOwner).toBe(fn.environment.variables.TARGET_BUCKET_OWNER);
    const exporterPolicy = policyOf(resources(stack, 'aws_iam_role_policy')['exporter-policy'].policy).Statement;
    for (const sid of ['WriteTarget', 'CleanUpTarget']) {
      expect(exporterPolicy.find((s) => s.Sid === sid)?.Condition).toEqual({
        StringEquals: { 's3:ResourceAccount': described.bucketOwner },
      });
    }
  });

  test('who may upload is who gets the upload policy', () => {
    const users = Object.values(resources(stack, 'aws_iam_role_policy')).filter((p) => p.role !== '${aws_iam_role.exporter-role.name}');
    expect([...described.uploaders].sort()).toEqual(users.map((p) => p.role).sort());
  });

  test("the receiver statements grant the role exactly the actions the role's policy uses on that bucket", () => {
    const exporterPolicy = policyOf(resources(stack, 'aws_iam_role_policy')['exporter-policy'].policy).Statement;
    const write = exporterPolicy.find((s) => s.Sid === 'WriteTarget')!;
    const cleanUp = exporterPolicy.find((s) => s.Sid === 'CleanUpTarget')!;
    const principal = { AWS: described.exporterRoleArn };
    expect(described.receiverStatements).toEqual([
      { Sid: 'AllowHubExportsDelivery', Effect: 'Allow', Principal: principal, Action: write.Action, Resource: write.Resource },
      { Sid: 'AllowHubExportsCleanUp', Effect: 'Allow', Principal: principal, Action: cleanUp.Action, Resource: cleanUp.Resource },
    ]);
    // Kept for scripts that read --json from before clean-up: the delivery statement alone.
    expect(described.receiverStatement).toEqual(described.receiverStatements[0]);
  });

  test('the text names the upload location, the role and prints the statements as JSON', () => {
    const text = run([name]).out;
    expect(text).toContain(`Upload files to       ${described.uploadTo}`);
    expect(text).toContain(`Exporter role         ${described.exporterRoleArn}`);
    // The bucket policy's statements are one JSON list ("[" … "]" on lines of their own) a receiver pastes as is;
    // the key policy's statement, if any, is one JSON object ("{" … "}"), after it; then lifecycle.json.
    const blocks = [...text.matchAll(/^(\[|\{)$[\s\S]*?^(\]|\})$/gm)].map((m) => JSON.parse(m[0]));
    const key = described.receiverKey ? [described.receiverKey.statement] : [];
    expect(blocks).toEqual([described.receiverStatements, ...key, described.receiverLifecycle.configuration]);
  });

  test('receipts are where its users may read and list them, and are kept as long as the lifecycle rule says', () => {
    const userPolicies = Object.values(resources(stack, 'aws_iam_role_policy')).filter((p) => p.role !== '${aws_iam_role.exporter-role.name}');
    const prefix = described.receipts.location.replace(/^s3:\/\/[^/]+\//, '').replace(/<day>\/$/, '');
    for (const p of userPolicies) {
      const bySid = Object.fromEntries(policyOf(p.policy).Statement.map((st) => [st.Sid, st]));
      expect(bySid.ReadDatasetReceipts.Resource).toBe(`arn:aws:s3:::${DEFAULT_SETTINGS.exportBucket}/${prefix}*`);
      expect(bySid.ListDatasetReceipts.Condition).toEqual({ StringLike: { 's3:prefix': [prefix, `${prefix}*`] } });
    }
    expect(described.receipts.location).toBe(`s3://${DEFAULT_SETTINGS.exportBucket}/export-receipts/${name}/<day>/`);
    expect([...described.receipts.readers].sort()).toEqual(userPolicies.map((p) => p.role).sort());
    const rules = Object.values(resources(stacks['exporter'], 'aws_s3_bucket_lifecycle_configuration')).flatMap((l) => l.rule as { id: string; expiration?: { days: number }[] }[]);
    expect(described.receipts.retentionDays).toBe(rules.find((r) => r.id === 'expire-receipts')?.expiration?.[0].days);
  });

  test('the text says where the receipts are, how long they stay, and gives the two commands that read them', () => {
    const text = run([name]).out;
    expect(text).toContain(`Receipts              ${described.receipts.location} (kept 400 days)`);
    expect(described.receipts.commands).toEqual([
      `aws s3 ls ${described.receipts.location}reports%2Fmarch`,
      `aws s3 cp ${described.receipts.location}<receipt>.json -`,
    ]);
    for (const c of described.receipts.commands) expect(text).toContain(`\n  ${c}\n`);
    const longer = run([name], { HUB_EXPORTS_RECEIPT_RETENTION_DAYS: '731' });
    expect(longer.out).toContain('(kept 731 days)');
    expect(JSON.parse(run(['--json', name], { HUB_EXPORTS_RECEIPT_RETENTION_DAYS: '731' }).out).receipts.retentionDays).toBe(731);
  });

  test('the receiver is told to abort incomplete uploads under the prefix after the days our own buckets use', () => {
    const ours = Object.values(resources(stacks['exporter'], 'aws_s3_bucket_lifecycle_configuration'))
      .flatMap((l) => l.rule as { id: string; abort_incomplete_multipart_upload?: { days_after_initiation: number }[] }[])
      .filter((r) => r.id === 'abort-incomplete-multipart-uploads')
      .map((r) => r.abort_incomplete_multipart_upload?.[0].days_after_initiation);
    expect(new Set(ours)).toEqual(new Set([described.receiverLifecycle.abortIncompleteUploadDays]));
    expect(described.receiverLifecycle.configuration).toEqual({
      Rules: [
        {
          ID: `hub-exports-${name}-abort-incomplete-uploads`,
          Status: 'Enabled',
          Filter: { Prefix: `${name}/` },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    });
    const bucket = described.receivingBucket;
    expect(described.receiverLifecycle.commands).toEqual([
      `aws s3api get-bucket-lifecycle-configuration --bucket ${bucket}`,
      `aws s3api put-bucket-lifecycle-configuration --bucket ${bucket} --lifecycle-configuration file://lifecycle.json`,
    ]);
    const text = run([name]).out;
    expect(text).toContain(
      'it could not abort stays in the bucket, billed to its owner, who alone can remove it. The owner adds this\n' +
        `lifecycle rule, unless one already aborts incomplete multipart uploads in the whole bucket or under ${name}/.\n` +
        "It aborts them 7 days after they began, as the platform's own buckets do.\n" +
        "put-bucket-lifecycle-configuration replaces every rule of the bucket, so print them first; if there are any, add\n" +
        'this rule to their "Rules" list in lifecycle.json.',
    );
    for (const c of described.receiverLifecycle.commands) expect(text).toContain(`\n  ${c}\n`);
    const env = { HUB_EXPORTS_ABORT_INCOMPLETE_UPLOAD_DAYS: '3' };
    expect(run([name], env).out).toContain('It aborts them 3 days after they began');
    const json = JSON.parse(run(['--json', name], env).out).receiverLifecycle;
    expect(json.abortIncompleteUploadDays).toBe(3);
    expect(json.configuration.Rules[0].AbortIncompleteMultipartUpload).toEqual({ DaysAfterInitiation: 3 });
  });

  test('the receiver is told the exporter sends no encryption header, and what the bucket must then accept', () => {
    const d = datasets.push.find((p) => p.name === name)!;
    const e = described.receiverEncryption;
    expect(e.headersSent).toEqual([]);
    expect(e.headerConditionKeys).toEqual([
      's3:x-amz-server-side-encryption',
      's3:x-amz-server-side-encryption-aws-kms-key-id',
    ]);
    expect(e.exemptExporterRole).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': described.exporterRoleArn } });
    const text = run([name]).out;
    expect(text).toContain(
      "Encryption. The exporter sends no encryption header with its writes: S3 encrypts each file with the bucket's\n",
    );
    if (d.kms_key_arn === undefined) {
      expect(e.bucketDefault).toEqual({ SSEAlgorithm: 'AES256' });
      expect(text).toContain(
        'default encryption, which must be SSE-S3 (AES256): the exporter role may use no KMS key for this dataset, so\n' +
          "while the bucket encrypts with a KMS key by default every write is refused. To use a key of the receiver's own\n" +
          `(not the AWS managed aws/s3, which serves no other account), name it as kms_key_arn in push_datasets/${name}.yaml.`,
      );
    } else {
      expect(e.bucketDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: d.kms_key_arn });
      expect(e.bucketDefault.KMSMasterKeyID).toBe(fn.environment.variables.TARGET_KMS_KEY_ARN);
      expect(text).toContain(
        'default encryption, which must be SSE-KMS with the key above (kms_key_arn); with any other key every write is refused.',
      );
    }
    expect(text).toContain(
      'A Deny in the bucket policy refuses every export if a request without an encryption header meets its condition,\n' +
        'as a Null condition "true", StringNotEquals or StringNotEqualsIfExists on either of these keys does:\n\n' +
        '  s3:x-amz-server-side-encryption\n' +
        '  s3:x-amz-server-side-encryption-aws-kms-key-id\n\n' +
        'To keep such a Deny, add "Null": {"<that key>": "false"} to its Condition, so that it tests only writes that send\n' +
        'the header, or leave the exporter role out of it by adding this to its Condition:\n\n' +
        `  "ArnNotEquals": {"aws:PrincipalArn": "${described.exporterRoleArn}"}\n`,
    );
  });

  test("with kms_key_arn, the key statement grants the role exactly what the role's policy allows on that key", () => {
    const exporterPolicy = policyOf(resources(stack, 'aws_iam_role_policy')['exporter-policy'].policy).Statement;
    const key = exporterPolicy.find((s) => s.Sid === 'EncryptWithTargetKey');
    expect(described.receiverKey?.arn).toBe(key?.Resource);
    expect(described.receiverKey?.arn).toBe(fn.environment.variables.TARGET_KMS_KEY_ARN);
    if (!key) return;
    expect(described.receiverKey.statement).toEqual({
      Sid: 'AllowHubExportsEncryption',
      Effect: 'Allow',
      Principal: { AWS: described.exporterRoleArn },
      Action: key.Action,
      Resource: '*',
      Condition: key.Condition,
    });
  });
});

test('both kinds of push dataset are described: one with kms_key_arn and one without', () => {
  expect(datasets.push.some((d) => d.kms_key_arn !== undefined)).toBe(true);
  expect(datasets.push.some((d) => d.kms_key_arn === undefined)).toBe(true);
});

/** Every source file of the exporter: what `describe` tells receivers about its requests must stay true of them. */
function exporterSources(dir = path.join(PROJECT_ROOT, 'functions', 'exporter')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return exporterSources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

test('the exporter sends no encryption header, as describe tells receivers (receiverEncryption.headersSent)', () => {
  const sources = exporterSources();
  expect(sources.length).toBeGreaterThan(10);
  // The SDK's names for the headers behind s3:x-amz-server-side-encryption(-aws-kms-key-id), and SSE-C's.
  const header = /\b(ServerSideEncryption|SSEKMSKeyId|SSEKMSEncryptionContext|BucketKeyEnabled|SSECustomer\w*)\b/;
  expect(sources.filter((f) => header.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(PROJECT_ROOT, f))).toEqual([]);
});

describe.each(datasets.pull.map((d) => d.name))('pull dataset %s', (name) => {
  const stack = stacks[`pull-${name}`];
  const described = JSON.parse(run(['--json', name]).out);

  test('the bucket is the bucket Terraform creates', () => {
    expect(described.bucket).toBe(only(stack, 'aws_s3_bucket').bucket);
    expect(described.bucketArn).toBe(`arn:aws:s3:::${described.bucket}`);
  });

  test('readers and writers are those the bucket policy and user policies name', () => {
    const allows = policyOf(only(stack, 'aws_s3_bucket_policy').policy).Statement.filter((s) => s.Effect === 'Allow');
    expect(allows.every((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: described.readers }))).toBe(true);
    expect(described.externalWrite).toBe(allows.some((s) => s.Sid === 'ExternalWrite'));
    expect([...described.readWrite].sort()).toEqual(Object.values(resources(stack, 'aws_iam_role_policy')).map((p) => p.role).sort());
  });

  test('the example reads the right bucket', () => {
    const text = run([name]).out;
    expect(text).toContain(`aws s3 cp s3://${described.bucket}/path/to/file.csv .`);
  });
});

test('--json is one object: for one name its description, for several an object keyed by name', () => {
  const names = [...datasets.push, ...datasets.pull].map((d) => d.name);
  expect(names.length).toBeGreaterThan(1);
  const one = (name: string) => JSON.parse(run(['--json', name]).out);
  const several = run(['--json', ...names]);
  expect(several.status).toBe(0);
  const document = JSON.parse(several.out);
  expect(Array.isArray(document)).toBe(false);
  expect(document).toEqual(Object.fromEntries(names.map((name) => [name, one(name)])));
  // A name given twice is still one dataset, so one description.
  expect(JSON.parse(run(['--json', names[0], names[0]]).out)).toEqual(one(names[0]));
});

test('a push and a pull dataset of one name are refused before anything is described', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'describe-shared-'));
  for (const kind of ['push', 'pull'] as const) {
    fs.mkdirSync(path.join(root, `${kind}_datasets`));
    const from = path.join(PROJECT_ROOT, `${kind}_datasets`, `${datasets[kind][0].name}.yaml`);
    const text = fs.readFileSync(from, 'utf8').replace(/^name: .*$/m, 'name: same');
    fs.writeFileSync(path.join(root, `${kind}_datasets`, 'same.yaml'), text);
  }
  const r = run(['--json', 'same'], { EXPORTS_DATASETS_DIR: root });
  expect(r.status).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toContain('push_datasets/same.yaml:');
  expect(r.err).toContain('name: the name "same" is also used by pull_datasets/same.yaml');
  expect(r.err).toContain('Fix the dataset files first (npm run validate).');
});

test('an unknown name says which names exist, and exits 1', () => {
  const r = run(['no_such_dataset']);
  expect(r.status).toBe(1);
  expect(r.err).toContain('no dataset is named "no_such_dataset". Known: courts_listing_sample, hmpps_probation_outcomes, prison_population_daily');
});

test('no name is a usage error', () => {
  expect(run([]).status).toBe(2);
  expect(run(['--bogus', 'x']).status).toBe(2);
});
