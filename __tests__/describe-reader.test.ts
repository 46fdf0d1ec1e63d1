import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { PROJECT_ROOT } from '../config';
import { describeCommand } from '../bin/describe';
import { DEFAULT_SETTINGS } from '../naming';
import { FIXTURE_DATASETS, only, policyOf, synthesize } from './helpers/synth';

/**
 * The identity policy `describe` tells each role in a pull dataset's `pull_arns` to attach in its own account, taken
 * from what describe prints (`--json`), evaluated by an IAM policy engine together with the pull bucket's policy from
 * the synthesized stack, as a request from that role: a cross-account request needs both. With both, the role can do
 * what the dataset promises and nothing more; without the identity policy it can do nothing; a role not in pull_arns
 * gets nothing from pasting it; and it never reaches a bucket of the same name in another account.
 *
 * The pull datasets of the repository and of the fixtures, together, cover every field that changes the policy:
 * share_a (allow_push, bucket_versioning), share_b (neither), prison_population_daily (bucket_versioning).
 */

/** The pull datasets alone, from both places, so a push dataset being edited elsewhere cannot stop this file. */
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-describe-reader-'));
fs.mkdirSync(path.join(ROOT, 'push_datasets'));
fs.mkdirSync(path.join(ROOT, 'pull_datasets'));
for (const from of [PROJECT_ROOT, FIXTURE_DATASETS]) {
  for (const f of fs.readdirSync(path.join(from, 'pull_datasets')).filter((f) => f.endsWith('.yaml'))) {
    fs.copyFileSync(path.join(from, 'pull_datasets', f), path.join(ROOT, 'pull_datasets', f));
  }
}
const env = { EXPORTS_DATASETS_DIR: ROOT };
const { stacks } = synthesize([ROOT]);

function describeText(name: string, json: boolean): string {
  const out: string[] = [];
  const status = describeCommand([...(json ? ['--json'] : []), name], env, (t) => out.push(t), () => undefined);
  if (status !== 0) throw new Error(`describe ${name} exited ${status}`);
  return out.join('\n');
}

type Doc = { Version: string; Statement: object[] };
const PLATFORM = DEFAULT_SETTINGS.account;

/** IAM's answer for a role of another account asking for `action` on `resource` in the bucket's account. */
async function decision(
  principal: string,
  action: string,
  resource: string,
  { identity, bucketPolicy, bucketAccount = PLATFORM }: { identity?: Doc; bucketPolicy: Doc; bucketAccount?: string },
) {
  const r = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: bucketAccount },
        contextVariables: {
          'aws:SecureTransport': 'true',
          's3:TlsVersion': '1.3',
          's3:ResourceAccount': bucketAccount,
        },
      },
      identityPolicies: identity ? [{ name: 'hub-exports', policy: identity }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: bucketPolicy,
    },
    {},
  );
  if (r.resultType !== 'single') throw new Error(`iam-simulate: ${JSON.stringify(r)}`);
  // A context key the engine drops for this action would make the account condition prove nothing.
  const ignored = r.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`${action}: context keys ${ignored.join(', ')} ignored`);
  return r.overallResult;
}

/** What a receiver does, on the bucket or on an object, and which dataset field allows it. */
type When = 'always' | 'bucket_versioning' | 'allow_push' | 'never';
const REQUESTS: [action: string, on: 'bucket' | 'object', when: When][] = [
  ['s3:ListBucket', 'bucket', 'always'],
  ['s3:GetBucketLocation', 'bucket', 'always'],
  ['s3:GetObject', 'object', 'always'],
  ['s3:GetObjectVersion', 'object', 'bucket_versioning'],
  ['s3:PutObject', 'object', 'allow_push'],
  ['s3:DeleteObject', 'object', 'allow_push'],
  ['s3:AbortMultipartUpload', 'object', 'allow_push'],
  ['s3:ListMultipartUploadParts', 'object', 'allow_push'],
  ['s3:DeleteObjectVersion', 'object', 'never'],
  ['s3:PutObjectAcl', 'object', 'never'],
  ['s3:PutBucketPolicy', 'bucket', 'never'],
  ['s3:DeleteBucket', 'bucket', 'never'],
];

/** A paused dataset's stack says so in its output `paused` (stacks/paused.ts): its readers get nothing. */
const isPaused = (id: string) => (stacks[id] as { output?: Record<string, unknown> }).output?.paused !== undefined;
const pullIds = Object.keys(stacks).filter((id) => id.startsWith('pull-'));
const names = pullIds
  .filter((id) => !isPaused(id))
  .map((id) => id.slice('pull-'.length))
  .sort();
const pausedNames = pullIds
  .filter(isPaused)
  .map((id) => id.slice('pull-'.length))
  .sort();

describe.each(pausedNames)('pull dataset %s, paused', (name) => {
  const described = JSON.parse(describeText(name, true));
  const bucketPolicy = policyOf(only(stacks[`pull-${name}`], 'aws_s3_bucket_policy').policy) as unknown as Doc;
  const objectArn = `${described.bucketArn}/2026/extract.csv`;

  test.each(described.readers as string[])(
    'even with the identity policy describe prints, %s reads and lists nothing',
    async (role) => {
      const both = { identity: described.readerPolicy as Doc, bucketPolicy };
      expect(await decision(role, 's3:GetObject', objectArn, both)).not.toBe('Allowed');
      expect(await decision(role, 's3:ListBucket', described.bucketArn, both)).not.toBe('Allowed');
    },
  );

  test('describe says it is paused, why, and that the readers have no access until the field is removed', () => {
    expect(described.paused).toMatch(/^INC-/);
    expect(describeText(name, false)).toMatch(/PAUSED: INC-.*\n.*pull_arns have no access/s);
  });
});

test('the datasets cover every combination of fields the policy depends on', () => {
  const combos = names.map((name) => {
    const d = JSON.parse(describeText(name, true));
    return `${d.externalWrite ? 'push' : 'read'}+${d.versioning ? 'versions' : 'current'}`;
  });
  expect(new Set(combos)).toEqual(new Set(['push+versions', 'read+current', 'read+versions']));
});

describe.each(names)('the identity policy describe prints for pull dataset %s', (name) => {
  const described = JSON.parse(describeText(name, true));
  const text = describeText(name, false);
  const identity: Doc = described.readerPolicy;
  const bucketPolicy = policyOf(only(stacks[`pull-${name}`], 'aws_s3_bucket_policy').policy) as unknown as Doc;
  const bucketArn: string = described.bucketArn;
  const objectArn = `${bucketArn}/2026/extract.csv`;
  const readers: string[] = described.readers;
  const allowed = (when: When) =>
    when === 'always' || (when === 'bucket_versioning' && described.versioning) || (when === 'allow_push' && described.externalWrite);
  const arnOf = (on: 'bucket' | 'object') => (on === 'bucket' ? bucketArn : objectArn);
  const expected = REQUESTS.map(([action, on, when]) => [action, on, allowed(when) ? 'Allowed' : 'Denied'] as const);
  const granted = REQUESTS.filter(([, , when]) => allowed(when));

  test('is a complete policy document', () => {
    expect(identity.Version).toBe('2012-10-17');
    expect(identity.Statement.length).toBeGreaterThan(0);
  });

  describe.each(readers)('as %s, in its own account', (role) => {
    test.each(expected)('with both policies, %s on the %s → %s', async (action, on, expect_) => {
      const result = await decision(role, action, arnOf(on), { identity, bucketPolicy });
      if (expect_ === 'Allowed') expect(result).toBe('Allowed');
      else expect(result).not.toBe('Allowed');
    });

    test.each(granted)(
      'with our bucket policy alone, %s on the %s → Denied: cross-account needs both sides',
      async (action, on) => {
        expect(await decision(role, action, arnOf(on), { bucketPolicy })).toBe('ImplicitlyDenied');
      },
    );

    test('a bucket of the same name in another account, whose policy welcomes the role, is not reached', async () => {
      const welcoming: Doc = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: role }, Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`] }],
      };
      const elsewhere = { identity, bucketPolicy: welcoming, bucketAccount: '999988887777' };
      expect(await decision(role, 's3:GetObject', objectArn, elsewhere)).toBe('ImplicitlyDenied');
      expect(await decision(role, 's3:ListBucket', bucketArn, elsewhere)).toBe('ImplicitlyDenied');
      expect(await decision(role, 's3:PutObject', objectArn, elsewhere)).toBe('ImplicitlyDenied');
    });
  });

  test.each(granted)(
    'a role not in pull_arns (same account as one that is), with the identity policy: %s on the %s → Denied',
    async (action, on) => {
      const account = readers[0].split(':')[4];
      const stranger = `arn:aws:iam::${account}:role/not-in-pull-arns`;
      expect(await decision(stranger, action, arnOf(on), { identity, bucketPolicy })).toBe('ImplicitlyDenied');
    },
  );

  test('it asks for exactly what the bucket policy grants the pull_arns, on the same resources', () => {
    type S = { Effect: string; Principal?: unknown; Action: string | string[]; Resource: string | string[] };
    const pairs = (statements: S[]) =>
      statements
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => [s.Action].flat().flatMap((a) => [s.Resource].flat().map((r) => `${a} ${r}`)))
        .sort();
    const granted = (bucketPolicy.Statement as S[]).filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: readers }),
    );
    expect(pairs(identity.Statement as S[])).toEqual(pairs(granted));
  });

  test('the text tells each role to attach the policy it prints, and that no KMS permission is needed', () => {
    const after = text.slice(text.indexOf('Reading it from another account:'));
    expect(after).toMatch(/Each role in pull_arns also needs the identity policy below in its own account/);
    for (const role of readers) {
      const roleName = role.split('/').pop();
      expect(after).toContain(`# in account ${role.split(':')[4]}\n`);
      expect(after).toContain(
        `aws iam put-role-policy --role-name ${roleName} --policy-name hub-exports-${name} --policy-document file://policy.json`,
      );
    }
    expect(after).toContain('No KMS permission is needed: the bucket is encrypted with S3-managed keys (SSE-S3).');
    // The document to save as policy.json: the one JSON block of the text ("{" … "}" on lines of their own).
    const blocks = [...text.matchAll(/^\{$[\s\S]*?^\}$/gm)].map((m) => JSON.parse(m[0]));
    expect(blocks).toEqual([identity]);
  });
});
