import { runSimulation } from '@cloud-copilot/iam-simulate';
import { PROJECT_ROOT, loadDatasets } from '../config';
import { describeCommand } from '../bin/describe';
import { DEFAULT_SETTINGS } from '../naming';
import { policyOf, resources, synthesize } from './helpers/synth';

/**
 * The statements `describe` tells a receiver to paste, evaluated by an IAM policy engine as the receiver's bucket
 * policy together with the exporter role's own policy from the synthesized stack: a cross-account request needs both.
 * They must allow every request of a full export with either strategy, and of the clean-up after a failure, and
 * nothing else.
 */

/** Each S3 request an export makes on the receiving bucket, and the IAM action S3 authorises it as. */
const EXPORT_REQUESTS: Record<string, [request: string, action: string][]> = {
  'single copy': [
    ['HeadObject (is it there already?)', 's3:GetObject'],
    ['CopyObject', 's3:PutObject'],
    ['CopyObject with the bucket-owner-full-control ACL', 's3:PutObjectAcl'],
    ['HeadObject (verify)', 's3:GetObject'],
  ],
  'multipart copy': [
    ['CreateMultipartUpload with the ACL', 's3:PutObject'],
    ['CreateMultipartUpload with the ACL', 's3:PutObjectAcl'],
    ['UploadPartCopy', 's3:PutObject'],
    ['CompleteMultipartUpload', 's3:PutObject'],
    ['AbortMultipartUpload (after a failure)', 's3:AbortMultipartUpload'],
    ['HeadObject (verify)', 's3:GetObject'],
  ],
  'streaming upload': [
    ['PutObject with the ACL (small)', 's3:PutObject'],
    ['PutObject with the ACL (small)', 's3:PutObjectAcl'],
    ['CreateMultipartUpload / UploadPart / CompleteMultipartUpload', 's3:PutObject'],
    ['AbortMultipartUpload (after a failure)', 's3:AbortMultipartUpload'],
    ['HeadObject (verify)', 's3:GetObject'],
  ],
};

/**
 * Requests on the bucket itself: after a failure (a lost CreateMultipartUpload answer, a function killed mid-copy)
 * the exporter lists the incomplete uploads at the key so it can abort them (AbortMultipartUpload, above).
 */
const BUCKET_REQUESTS: [request: string, action: string][] = [
  ['ListMultipartUploads (uploads a failure left at the key)', 's3:ListBucketMultipartUploads'],
];

/** What an exporter has no business doing in someone else's bucket. */
const NOT_NEEDED_ON_OBJECTS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:GetObjectVersion',
  's3:GetObjectAcl',
  's3:PutObjectTagging',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:ListMultipartUploadParts',
  's3:RestoreObject',
];
const NOT_NEEDED_ON_BUCKET = ['s3:ListBucket', 's3:ListBucketVersions', 's3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:PutLifecycleConfiguration', 's3:DeleteBucket'];

const { stacks } = synthesize([PROJECT_ROOT]);
const { datasets } = loadDatasets([PROJECT_ROOT], { settings: DEFAULT_SETTINGS });

describe.each(datasets.push.map((d) => d.name))('the receiver statement describe prints for %s', (name) => {
  const out: string[] = [];
  describeCommand(['--json', name], {}, (t) => out.push(t), () => undefined);
  const described = JSON.parse(out.join('\n'));
  const roleArn: string = described.exporterRoleArn;
  const identity = policyOf(resources(stacks[`push-${name}`], 'aws_iam_role_policy')['exporter-policy'].policy);
  const bucket: string = described.receivingBucket;
  // The approved receiving account (bucket_owner): the role's policy reaches the bucket only there.
  const owner = datasets.push.find((d) => d.name === name)!.bucket_owner;

  /**
   * The engine's answer with the given receiver bucket-policy statements (default: those describe printed), for the
   * bucket owned by `account` (default: the approved receiving account).
   */
  async function decision(
    action: string,
    resource: string,
    receiverStatements: object[] = described.receiverStatements,
    account: string = owner,
  ) {
    const r = await runSimulation(
      {
        request: {
          principal: roleArn,
          action,
          resource: { resource, accountId: account },
          contextVariables: {
            'aws:SecureTransport': 'true',
            's3:TlsVersion': '1.3',
            's3:ResourceAccount': account,
            // What AWS sets for a role's session: the role's ARN, path included.
            'aws:PrincipalArn': roleArn,
          },
        },
        identityPolicies: [{ name: 'export', policy: identity }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(receiverStatements.length > 0 && {
          resourcePolicy: { Version: '2012-10-17', Statement: receiverStatements },
        }),
      },
      {},
    );
    if (r.resultType !== 'single') throw new Error(`iam-simulate: ${JSON.stringify(r)}`);
    return r.overallResult;
  }

  const key = `arn:aws:s3:::${bucket}/${name}/2026/extract.csv`;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  test.each(Object.entries(EXPORT_REQUESTS).flatMap(([strategy, requests]) => requests.map(([request, action]) => [strategy, request, action])))(
    '%s: %s (%s) → Allowed',
    async (_, __, action) => expect(await decision(action, key)).toBe('Allowed'),
  );

  test.each(BUCKET_REQUESTS)('clean-up: %s (%s) on the bucket → Allowed', async (_, action) => {
    expect(await decision(action, bucketArn)).toBe('Allowed');
  });

  test.each(NOT_NEEDED_ON_OBJECTS)('%s on an object → Denied', async (action) => {
    expect(await decision(action, key)).not.toBe('Allowed');
  });

  test.each(NOT_NEEDED_ON_BUCKET)('%s on the bucket → Denied', async (action) => {
    expect(await decision(action, bucketArn)).not.toBe('Allowed');
  });

  test('every action the statements grant is needed by some request, on objects under the prefix or on the bucket', () => {
    const onObjects = new Set(Object.values(EXPORT_REQUESTS).flatMap((rs) => rs.map(([, a]) => a)));
    const [delivery, cleanUp, ...more] = described.receiverStatements;
    expect(more).toEqual([]);
    expect([...delivery.Action].sort()).toEqual([...onObjects].sort());
    expect(delivery.Resource).toBe(`${bucketArn}/${name}/*`);
    expect([...cleanUp.Action].sort()).toEqual(BUCKET_REQUESTS.map(([, a]) => a).sort());
    expect(cleanUp.Resource).toBe(bucketArn);
  });

  test('with the delivery statement alone, exports are allowed and only the clean-up listing is denied', async () => {
    const deliveryOnly = [described.receiverStatement];
    expect(await decision('s3:PutObject', key, deliveryOnly)).toBe('Allowed');
    expect(await decision('s3:AbortMultipartUpload', key, deliveryOnly)).toBe('Allowed');
    expect(await decision('s3:ListBucketMultipartUploads', bucketArn, deliveryOnly)).toBe('ImplicitlyDenied');
  });

  test('describe names the receiving account, and tells the receiver exports need that account to own the bucket', () => {
    expect(described.bucketOwner).toBe(owner);
    const text: string[] = [];
    describeCommand([name], {}, (t) => text.push(t), () => undefined);
    expect(text.join('\n')).toContain(`Receiving account     ${owner} (must own ${bucket})`);
    expect(text.join('\n')).toContain(`Exports are delivered only while account ${owner} owns ${bucket}`);
  });

  test('a bucket of that name owned by any other account gets nothing, even with the statements pasted', async () => {
    const other = '777788889999';
    expect(await decision('s3:PutObject', key, described.receiverStatements, other)).toBe('ImplicitlyDenied');
    expect(await decision('s3:GetObject', key, described.receiverStatements, other)).toBe('ImplicitlyDenied');
    expect(await decision('s3:ListBucketMultipartUploads', bucketArn, described.receiverStatements, other)).toBe(
      'ImplicitlyDenied',
    );
  });

  /**
   * A receiver's Deny on an encryption header, as bucket policies write them. The exporter's requests carry no such
   * header (describe says so, and describe.test.ts checks the exporter's sources), so their context has none.
   */
  const headerDeny = (condition: object) => ({
    Sid: 'DenyWithoutEncryptionHeader',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:PutObject',
    Resource: `${bucketArn}/*`,
    Condition: condition,
  });
  const headerConditions: [operator: string, conditionKey: string, condition: Record<string, object>][] = (
    described.receiverEncryption.headerConditionKeys as string[]
  ).flatMap((k) => [
    ['Null "true"', k, { Null: { [k]: 'true' } }],
    ['StringNotEquals', k, { StringNotEquals: { [k]: 'aws:kms' } }],
    ['StringNotEqualsIfExists', k, { StringNotEqualsIfExists: { [k]: 'aws:kms' } }],
  ]);

  test.each(headerConditions)('a Deny with %s on %s refuses every write, as describe says', async (_, __, condition) => {
    const statements = [...described.receiverStatements, headerDeny(condition)];
    expect(await decision('s3:PutObject', key, statements)).toBe('ExplicitlyDenied');
  });

  test.each(headerConditions.filter(([operator]) => operator !== 'Null "true"'))(
    'a Deny with %s on %s and "Null": "false", as describe says to add, lets the exports through',
    async (_, conditionKey, condition) => {
      const statements = [...described.receiverStatements, headerDeny({ ...condition, Null: { [conditionKey]: 'false' } })];
      expect(await decision('s3:PutObject', key, statements)).toBe('Allowed');
    },
  );

  test.each(headerConditions)(
    "a Deny with %s on %s and describe's exemption of the exporter role lets the exports through, and no one else",
    async (_, __, condition) => {
      const statements = [
        ...described.receiverStatements,
        headerDeny({ ...condition, ...described.receiverEncryption.exemptExporterRole }),
      ];
      expect(await decision('s3:PutObject', key, statements)).toBe('Allowed');
      // One of the receiver's own roles, free to write anything in its account: the Deny still holds it.
      const uploader = `arn:aws:iam::${owner}:role/uploader`;
      const someoneElse = await runSimulation(
        {
          request: {
            principal: uploader,
            action: 's3:PutObject',
            resource: { resource: key, accountId: owner },
            contextVariables: { 'aws:PrincipalArn': uploader, 's3:ResourceAccount': owner },
          },
          identityPolicies: [{ name: 'all', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: { Version: '2012-10-17', Statement: statements },
        },
        {},
      );
      expect(someoneElse.resultType === 'single' && someoneElse.overallResult).toBe('ExplicitlyDenied');
    },
  );

  test('without the statements, the same requests are denied: the receiver decides', async () => {
    expect(await decision('s3:PutObject', key, [])).toBe('ImplicitlyDenied');
    expect(await decision('s3:ListBucketMultipartUploads', bucketArn, [])).toBe('ImplicitlyDenied');
  });
});
