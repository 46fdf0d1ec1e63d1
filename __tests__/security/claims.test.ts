import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDatasets } from '../../config';
import { DEFAULT_SETTINGS } from '../../naming';

/**
 * A dataset must not be able to name one of the platform's own buckets. Same-account access needs only an identity
 * policy, so naming a platform bucket hands out access no bucket policy was asked for:
 *
 * - a pull dataset whose derived bucket is the exporter's code bucket (`hub_exports_lambda_code` gives
 *   `mojap-hub-exports-lambda-code`) attaches read/write/delete on that bucket's objects to its users' roles (the
 *   role policies do not depend on the bucket being created, so they apply even though creating the bucket fails):
 *   those users could replace `exporter/<sha>.zip`, which Lambda loads the next time an exporter is created;
 * - a pull dataset whose derived bucket is the exporters' ledger (`hub_exports_ledger` gives
 *   `mojap-hub-exports-ledger`) would give its users every exporter's records, which decide what is delivered;
 * - a push dataset whose target is the code bucket, the ledger, or another dataset's pull bucket, gets an exporter
 *   role that writes there with no receiver's consent (the receiver-bucket-policy safeguard assumes another account).
 *
 * These cells state the decision the validator takes (config/rules.ts, config/load.ts). The exporter role's policy
 * refuses same-account targets too; the security matrix checks that layer.
 */

function datasetsDir(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-claims-'));
  for (const folder of ['push_datasets', 'pull_datasets']) fs.mkdirSync(path.join(root, folder));
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(root, file), text);
  return root;
}

const pull = (name: string) =>
  `name: ${name}\nusers:\n  - alpha_user_x\npaperwork: DPIA-1\npull_arns:\n  - arn:aws:iam::111122223333:role/reader\n`;
const push = (name: string, bucket: string) =>
  `name: ${name}\nbucket: ${bucket}\nusers:\n  - alpha_user_y\npaperwork: DPIA-2\nbucket_owner: "111122223333"\n`;

/** The fields the validator refuses, as `file: field`. */
function refused(files: Record<string, string>): string[] {
  const root = datasetsDir(files);
  const { problems } = loadDatasets([root], { settings: DEFAULT_SETTINGS, cwd: root });
  return problems.map((p) => `${p.file}: ${p.field}`);
}

test("control: the same files naming buckets that are not the platform's are valid", () => {
  expect(
    refused({ 'pull_datasets/share_a.yaml': pull('share_a'), 'push_datasets/out.yaml': push('out', 'receiver-out') }),
  ).toEqual([]);
});

test('a pull dataset whose bucket would be the exporter code bucket → Refused', () => {
  expect(refused({ 'pull_datasets/hub_exports_lambda_code.yaml': pull('hub_exports_lambda_code') })).toEqual([
    'pull_datasets/hub_exports_lambda_code.yaml: name',
  ]);
});

test('a push dataset delivering into the exporter code bucket → Refused', () => {
  expect(refused({ 'push_datasets/out.yaml': push('out', 'mojap-hub-exports-lambda-code') })).toEqual([
    'push_datasets/out.yaml: bucket',
  ]);
});

test("a pull dataset whose bucket would be the exporters' ledger → Refused", () => {
  expect(refused({ 'pull_datasets/hub_exports_ledger.yaml': pull('hub_exports_ledger') })).toEqual([
    'pull_datasets/hub_exports_ledger.yaml: name',
  ]);
});

test("a push dataset delivering into the exporters' ledger → Refused", () => {
  expect(refused({ 'push_datasets/out.yaml': push('out', 'mojap-hub-exports-ledger') })).toEqual([
    'push_datasets/out.yaml: bucket',
  ]);
});

test("a push dataset delivering into another dataset's pull bucket → Refused", () => {
  expect(
    refused({ 'pull_datasets/share_a.yaml': pull('share_a'), 'push_datasets/out.yaml': push('out', 'mojap-share-a') }),
  ).toEqual(['push_datasets/out.yaml: bucket']);
});
