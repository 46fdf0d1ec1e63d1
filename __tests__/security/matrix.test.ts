import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvaluationResult } from '@cloud-copilot/iam-simulate';
import { PROJECT_ROOT } from '../../config';
import { synthesize } from '../helpers/synth';
import { renderMarkdown, title, type Cell, type Expect } from './cells';
import { GROUP_NOTES, MATRIX } from './matrix';
import { NOBODY } from './matrix-platform';
import { loadModel } from './model';
import { decide } from './simulate';

/**
 * The security matrix (matrix-*.ts), every cell evaluated by a real IAM policy engine against the policies of the
 * synthesized fixture stacks. mutation.test.ts shows that these cells fail when a policy is widened.
 */
const model = loadModel(synthesize().stacks);

/** The engine's answer in the matrix's words; "Denied" accepts either kind of denial. */
function answer(expect: Expect, result: EvaluationResult): string {
  if (result === 'Allowed') return 'Allowed';
  return result === 'ExplicitlyDenied' && expect !== 'Denied' ? 'Explicitly denied' : 'Denied';
}

const groups = [...new Set(MATRIX.map((c) => c.group))];

describe.each(groups)('%s', (group) => {
  const cells = MATRIX.filter((c) => c.group === group).map((c) => [title(c), c] as [string, Cell]);
  test.each(cells)('%s', async (_title, cell) => {
    expect(answer(cell.expect, await decide(model, cell))).toBe(cell.expect);
  });
});

describe('the matrix', () => {
  test('has at least 60 cells, unique titles, and both answers in every group but the one that must allow nothing', () => {
    expect(MATRIX.length).toBeGreaterThanOrEqual(60);
    expect(new Set(MATRIX.map(title)).size).toBe(MATRIX.length);
    // An all-Denied group could pass because the engine denies everything; the anonymous group is all-Denied by
    // design, and mutation.test.ts shows its cells flip when a bucket is made public.
    for (const g of groups.filter((x) => x !== NOBODY[0].group)) {
      const answers = new Set(MATRIX.filter((c) => c.group === g).map((c) => c.expect === 'Allowed'));
      expect([g, answers.size]).toEqual([g, 2]);
    }
  });

  test('covers every role and bucket the fixture stacks create', () => {
    const named = (s: string) =>
      MATRIX.some(
        (c) => c.who === s || c.resource === s || c.resource.startsWith(`${s}/`) || c.resource === `role:${s}`,
      );
    for (const r of model.roles.values()) expect([r.name, named(r.name)]).toEqual([r.name, true]);
    for (const b of model.buckets.keys()) expect([b, named(b)]).toEqual([b, true]);
  });

  test('cells naming something the stacks do not have fail loudly instead of reading as Denied', async () => {
    const typo: Cell = {
      group: 'x',
      who: 'export_prj-move',
      action: 's3:GetObject',
      resource: 'mojap-hub-exports/prj/x',
      context: {},
      expect: 'Denied',
    };
    await expect(decide(model, typo)).rejects.toThrow(/export_prj-move: no such role/);
    await expect(decide(model, { ...typo, who: 'alpha_user_p1', resource: 'unknown-bucket/x' })).rejects.toThrow(
      /neither a platform bucket/,
    );
    await expect(decide(model, { ...typo, who: 'alpha_user_p1', action: 's3:UploadPart' })).rejects.toThrow(
      /refused the request/,
    );
  });

  /** The matrix as documentation. Regenerate with UPDATE_SECURITY_MATRIX=1 npx jest __tests__/security/matrix. */
  test('docs/security-matrix.md shows exactly this matrix', () => {
    const file = path.join(PROJECT_ROOT, 'docs', 'security-matrix.md');
    const rendered = renderMarkdown(MATRIX, PREAMBLE, GROUP_NOTES);
    if (process.env.UPDATE_SECURITY_MATRIX === '1') fs.writeFileSync(file, rendered);
    expect(fs.readFileSync(file, 'utf8')).toBe(rendered);
  });
});

const PREAMBLE = `
# Security matrix

Generated from \`__tests__/security/matrix-*.ts\`; \`__tests__/security/matrix.test.ts\` checks that this page matches.
Regenerate it with \`UPDATE_SECURITY_MATRIX=1 npx jest __tests__/security/matrix\`.

Every row is one request, evaluated by the IAM policy engine \`@cloud-copilot/iam-simulate\` against the policies in the
synthesized Terraform JSON of the fixture datasets (\`__tests__/fixtures/datasets\`):

- push \`proj\` (users \`alpha_user_p1\`, \`alpha_user_shared\`; target \`receiver-proj\` owned by 111122223333),
  \`proj_2\` (\`alpha_user_shared\`; \`keep_files\`; target \`receiver-proj-2\` owned by 012345678901), \`proj2\`
  (\`alpha_user_p3\`; \`transfer: stream\`; target \`receiver.proj2.example-org\` owned by 777788889999, encrypted with
  the receiver's KMS key named by \`kms_key_arn\`): names that are prefixes of each other;
- pull \`share_a\` (bucket \`mojap-share-a\`; users \`alpha_user_shared\`, \`alpha_user_p1\`; pull ARNs \`reader-a\` in
  111122223333 and \`team/writer-a\` in 444455556666; \`allow_push\`, versioned) and \`share_b\` (\`mojap-share-b\`;
  \`alpha_user_shared\`; pull ARN \`reader-b\` in 111122223333).

How to read it:

- **Denied** means no policy allows the request; **Explicitly denied** means a Deny statement refuses it even though
  an Allow matches (the transport rules). Requests use HTTPS with TLS 1.3 unless the context says otherwise.
- \`alpha_user_*\` roles carry every inline policy the stacks attach to them and nothing else: their other platform
  policies are not ours. \`platform-admin\` is a platform-account role allowed everything by its own policy.
- External roles (\`arn:aws:iam::<other account>:…\`) are modelled as allowed everything by their own account, so our
  bucket policy alone decides: the worst case for us.
- Receiver buckets (\`receiver-*\`) are in another account. A request needs our exporter role's policy and the
  receiver's bucket policy, modelled as the statements receivers are given (\`receiverStatements()\` in
  \`naming/permissions.ts\`: delivery under \`<name>/\`, and clean-up, listing the bucket's incomplete
  multipart uploads) for their own exporter role. With "receiver trusts platform account" the receiver also allows
  every principal of our account, so our identity policy alone must refuse; with "receiver pasted only the delivery
  statement" it left out the clean-up statement; with "receiver is the platform account" the bucket belongs to the
  platform account after all (one these stacks do not create, so it has no bucket policy): our identity policy alone
  decides, and its \`s3:ResourceAccount\` condition must refuse. Without a receiver context a receiving bucket is in
  its dataset's \`bucket_owner\` account; with "receiver is in another account" the same name belongs to a stranger
  (999988887777: the receiver deleted the bucket and someone registered the name) whose policy grants everything the
  receivers are told and trusts the whole platform account: only \`s3:ResourceAccount\` = \`bucket_owner\` refuses.
- \`mojap-hub-exports-ledger\` is the exporters' ledger, a platform bucket of the exporter stack: one record per
  exported key under \`<name>/\`.
- A receiver's KMS key (\`key:<ARN>\`) is in the receiver's account too: its key policy is the statement receivers
  are given (\`receiverKeyStatement()\`), S3 in the key's region is \`via s3.<region>.amazonaws.com\`
  (\`kms:ViaService\`), and "receiver trusts platform account" adds \`kms:*\` for our whole account. A key ARN names
  its account, so the stranger's key with the same ID is a different ARN (\`arn:aws:kms:…:999988887777:key/…\`).
- Platform buckets are evaluated with their bucket policy and with S3 Block Public Access as the synthesized
  \`restrict_public_buckets\` says.
- The Lambda permission is evaluated as the function's resource policy (principal \`events.amazonaws.com\`, condition
  \`aws:SourceArn\` = the rule); trust policies as the role's resource policy for \`sts:AssumeRole\`.
`;
