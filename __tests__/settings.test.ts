import { resolveSettings } from '../settings';
import { tagValue } from '../stacks/tags';
import { only, resources, synthesize } from './helpers/synth';

const none = () => undefined;

test('defaults are the platform the seed describes', () => {
  const { settings, problems } = resolveSettings({}, none);
  expect(problems).toEqual([]);
  expect(settings).toMatchObject({
    platform: {
      account: '593291632749',
      region: 'eu-west-1',
      exportBucket: 'mojap-hub-exports',
      pullBucketPrefix: 'mojap-',
      rolePath: '/service-role/',
    },
    backend: { kind: 'local' },
  });
});

test('the environment overrides cdktf context, which overrides the defaults', () => {
  const context: Record<string, unknown> = { region: 'eu-west-2', lambdaMemoryMb: 2048, tags: { owner: 'ctx' } };
  const { settings } = resolveSettings({ HUB_EXPORTS_REGION: 'eu-central-1' }, (k) => context[k]);
  expect(settings?.platform.region).toBe('eu-central-1');
  expect(settings?.lambdaMemoryMb).toBe(2048);
  expect(settings?.tags).toEqual({ owner: 'ctx' });
});

test('every bad setting is reported at once, naming where it came from and what was expected', () => {
  const { settings, problems } = resolveSettings(
    {
      HUB_EXPORTS_ACCOUNT: '1234',
      HUB_EXPORTS_LOG_RETENTION_DAYS: '42',
      HUB_EXPORTS_TAGS: '[1]',
      HUB_EXPORTS_BACKEND: 's3',
    },
    (k) => (k === 'rolePath' ? 'service-role' : undefined),
  );
  expect(settings).toBeUndefined();
  expect(problems).toEqual([
    'HUB_EXPORTS_ACCOUNT: expected a 12-digit AWS account ID, found "1234"',
    'context "rolePath": expected an IAM path such as /service-role/, found "service-role"',
    'HUB_EXPORTS_TAGS: expected a JSON object of string values, such as {"owner":"data-engineering"}, found "[1]"',
    expect.stringMatching(/^HUB_EXPORTS_LOG_RETENTION_DAYS: expected one of 1, 3, 5, .*, found "42"$/),
    'HUB_EXPORTS_STATE_BUCKET (or context "stateBucket") is required with HUB_EXPORTS_BACKEND=s3',
  ]);
});

test('receipts are kept 400 days unless the environment or context says otherwise, in whole days up to ten years', () => {
  expect(resolveSettings({}, none).settings?.receiptRetentionDays).toBe(400);
  const context = (k: string) => (k === 'receiptRetentionDays' ? 731 : undefined);
  expect(resolveSettings({}, context).settings?.receiptRetentionDays).toBe(731);
  expect(resolveSettings({ HUB_EXPORTS_RECEIPT_RETENTION_DAYS: '30' }, context).settings?.receiptRetentionDays).toBe(30);
  for (const bad of ['0', '3651', '400.5', 'a year']) {
    expect(resolveSettings({ HUB_EXPORTS_RECEIPT_RETENTION_DAYS: bad }, none).problems).toEqual([
      `HUB_EXPORTS_RECEIPT_RETENTION_DAYS: expected a whole number from 1 to 3650, found "${bad}"`,
    ]);
  }
});

test('the S3 backend keeps one state key per stack with a native lock file', () => {
  const { stacks } = synthesize(undefined, {
    HUB_EXPORTS_BACKEND: 's3',
    HUB_EXPORTS_STATE_BUCKET: 'platform-terraform-state',
  });
  expect(stacks['push-proj'].terraform?.backend).toEqual({
    s3: {
      bucket: 'platform-terraform-state',
      key: 'hub-exports/push-proj.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
    },
  });
  expect(stacks['exporter'].terraform?.backend?.s3.key).toBe('hub-exports/exporter.tfstate');
});

test('the Terraform Cloud backend uses one workspace per stack', () => {
  const { stacks } = synthesize(undefined, { HUB_EXPORTS_BACKEND: 'cloud', HUB_EXPORTS_TFC_ORGANIZATION: 'moj-data' });
  expect(JSON.stringify(stacks['pull-share_a'])).toContain('"name":"hub-exports-pull-share_a"');
  expect(stacks['pull-share_a'].terraform).toMatchObject({
    cloud: { organization: 'moj-data', hostname: 'app.terraform.io', workspaces: { name: 'hub-exports-pull-share_a' } },
  });
});

test('settings reach the resources: account, region, names, sizes and retention', () => {
  const { stacks } = synthesize(undefined, {
    HUB_EXPORTS_ACCOUNT: '111111111111',
    HUB_EXPORTS_REGION: 'eu-west-2',
    HUB_EXPORTS_EXPORT_BUCKET: 'other-exports',
    HUB_EXPORTS_PULL_BUCKET_PREFIX: 'other-',
    HUB_EXPORTS_LAMBDA_MEMORY_MB: '2048',
    HUB_EXPORTS_LOG_RETENTION_DAYS: '90',
    HUB_EXPORTS_RECEIPT_RETENTION_DAYS: '731',
  });
  expect(stacks['exporter'].provider.aws[0]).toMatchObject({ region: 'eu-west-2', allowed_account_ids: ['111111111111'] });
  expect(only(stacks['push-proj'], 'aws_lambda_function')).toMatchObject({ memory_size: 2048, s3_bucket: 'other-exports-lambda-code' });
  expect(only(stacks['push-proj'], 'aws_cloudwatch_log_group')).toMatchObject({ retention_in_days: 90 });
  expect(only(stacks['pull-share_b'], 'aws_s3_bucket')).toMatchObject({ bucket: 'other-share-b' });
  expect(JSON.stringify(stacks['push-proj'])).toContain('arn:aws:s3:::other-exports/proj/*');
  const lifecycles = Object.values(resources(stacks['exporter'], 'aws_s3_bucket_lifecycle_configuration'));
  const receipts = lifecycles.flatMap((l) => l.rule as { id: string }[]).filter((r) => r.id === 'expire-receipts');
  expect(receipts).toEqual([expect.objectContaining({ expiration: [{ days: 731 }] })]);
});

test.each([
  ['DSA 12 (signed, 2026)', 'DSA 12 signed 2026'],
  ['https://example.org/a?b=c&d=e#f', 'https://example.org/a b=c d=e f'],
  ['Café “quoted” <<x>>', 'Café quoted x'],
  ['x'.repeat(300), 'x'.repeat(256)],
])('tag value %j becomes %j', (raw, expected) => expect(tagValue(raw)).toBe(expected));

test('the export bucket name leaves room for the buckets named after it, the longest being the audit results', () => {
  // 49 characters: its code bucket (+ "-lambda-code") has 61, its audit results bucket (+ "-audit-results") 63.
  expect(resolveSettings({ HUB_EXPORTS_EXPORT_BUCKET: 'e'.repeat(49) }, none).problems).toEqual([]);
  const { settings, problems } = resolveSettings({ HUB_EXPORTS_EXPORT_BUCKET: 'e'.repeat(50) }, none);
  expect(settings).toBeUndefined();
  expect(problems).toEqual([
    `HUB_EXPORTS_EXPORT_BUCKET: the audit results bucket "${'e'.repeat(50)}-audit-results" must be 3 to 63 characters long (it has 64); use a shorter name`,
  ]);
});
