import { synthesize } from '../helpers/synth';
import { MATRIX } from './matrix';
import { loadModel, type Stack } from './model';
import { editPolicies, replaceText, withStatements } from './mutate';
import { failingCells } from './simulate';

/**
 * mutation.test.ts for receipts (matrix-receipts.ts): the users' read and list grants under
 * `export-receipts/<name>/`, and the export bucket's Denies that keep receipts from being written by anyone but an
 * exporter, replaced, or deleted. Each mistake must flip exactly the named cells.
 */
type Stacks = Record<string, Stack>;
const { stacks } = synthesize();
const flips = (mutated: Stacks) => failingCells(loadModel(mutated), MATRIX);
const RECEIPT = '2026-12-02/data.csv@0055.json';
const withoutSid = (sid: string) =>
  editPolicies(
    stacks,
    ['exporter'],
    'aws_s3_bucket_policy',
    withStatements((s) => (s.Sid === sid ? undefined : s)),
  );

test('the unmutated fixture fails no cell', async () => {
  expect(await flips(stacks)).toEqual([]);
});

describe("widening the receipts' grants or dropping their Denies flips exactly the cells that guard against it", () => {
  test("a receipt prefix without its slash (export-receipts/proj/* → proj*) reaches proj_2's and proj2's", async () => {
    // The users' read grant and the exporter's write grant name the same prefix: both widen.
    const m = replaceText(
      stacks,
      ['push-proj'],
      'arn:aws:s3:::mojap-hub-exports/export-receipts/proj/*',
      'arn:aws:s3:::mojap-hub-exports/export-receipts/proj*',
    );
    expect(await flips(m)).toEqual([
      `alpha_user_p1 s3:GetObject mojap-hub-exports/export-receipts/proj_2/${RECEIPT} → Denied`,
      `alpha_user_p1 s3:GetObject mojap-hub-exports/export-receipts/proj2/${RECEIPT} → Denied`,
      `alpha_user_shared s3:GetObject mojap-hub-exports/export-receipts/proj2/${RECEIPT} → Denied`,
      `export_proj-move s3:PutObject mojap-hub-exports/export-receipts/proj_2/${RECEIPT} [s3:if-none-match "*"] → Denied`,
      `export_proj-move s3:PutObject mojap-hub-exports/export-receipts/proj2/${RECEIPT} [s3:if-none-match "*"] → Denied`,
    ]);
  });

  test('a receipt listing condition without its slash (s3:prefix export-receipts/proj*) lists the others', async () => {
    const m = replaceText(
      stacks,
      ['push-proj'],
      '"s3:prefix":["export-receipts/proj/","export-receipts/proj/*"]',
      '"s3:prefix":["export-receipts/proj*"]',
    );
    expect(await flips(m)).toEqual([
      'alpha_user_p1 s3:ListBucket mojap-hub-exports [prefix "export-receipts/proj"] → Denied',
      'alpha_user_p1 s3:ListBucket mojap-hub-exports [prefix "export-receipts/proj_2/"] → Denied',
    ]);
  });

  test('without DenyChangingReceipts an administrator could delete receipts or change their tags', async () => {
    expect(await flips(withoutSid('DenyChangingReceipts'))).toEqual([
      `platform-admin s3:DeleteObject mojap-hub-exports/export-receipts/proj/${RECEIPT} → Explicitly denied`,
      `platform-admin s3:DeleteObjectVersion mojap-hub-exports/export-receipts/proj/${RECEIPT} → Explicitly denied`,
      `platform-admin s3:PutObjectTagging mojap-hub-exports/export-receipts/proj/${RECEIPT} → Explicitly denied`,
      `platform-admin s3:DeleteObjectVersionTagging mojap-hub-exports/export-receipts/proj/${RECEIPT} → Explicitly denied`,
    ]);
  });

  test('without DenyReceiptWritesButExporters an administrator could write a receipt that does not exist yet', async () => {
    expect(await flips(withoutSid('DenyReceiptWritesButExporters'))).toEqual([
      `platform-admin s3:PutObject mojap-hub-exports/export-receipts/proj/${RECEIPT} [s3:if-none-match "*"] → Explicitly denied`,
    ]);
  });

  test('an exporter pattern that names every role of the account lets an administrator write receipts', async () => {
    const m = replaceText(
      stacks,
      ['exporter'],
      'arn:aws:iam::593291632749:role/service-role/export_*-move',
      'arn:aws:iam::593291632749:role/*',
    );
    expect(await flips(m)).toEqual([
      `platform-admin s3:PutObject mojap-hub-exports/export-receipts/proj/${RECEIPT} [s3:if-none-match "*"] → Explicitly denied`,
    ]);
  });

  test("write and delete added to the users' receipt grant change nothing: the bucket policy still refuses", async () => {
    const m = editPolicies(stacks, ['push-proj'], 'aws_iam_role_policy', (d, id) =>
      id.startsWith('user-')
        ? withStatements((s) =>
            s.Sid === 'ReadDatasetReceipts'
              ? {
                  ...s,
                  Action: [...(s.Action as string[]), 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
                }
              : s,
          )(d)
        : d,
    );
    expect(await flips(m)).toEqual([]);
  });

  test('without DenyReplacingReceipts an exporter could overwrite a receipt (no If-None-Match)', async () => {
    expect(await flips(withoutSid('DenyReplacingReceipts'))).toEqual([
      `export_proj-move s3:PutObject mojap-hub-exports/export-receipts/proj/${RECEIPT} [without If-None-Match] → Explicitly denied`,
      `export_proj-move s3:PutObject mojap-hub-exports/export-receipts/proj/${RECEIPT} [CreateMultipartUpload] → Explicitly denied`,
    ]);
  });
});
