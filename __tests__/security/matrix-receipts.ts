import { table, type Cell } from './cells';

/**
 * Receipts (naming/receipts.ts): one JSON object per export outcome, `export-receipts/<name>/<day>/<file>@<seq>.json`
 * in the export bucket, written by that dataset's exporter with If-None-Match and read by that dataset's users. A
 * receipt is the record of a transfer: a user who could read another dataset's would learn its file names and
 * receiving account, and anyone who could write, replace or delete one could rewrite that record. proj, proj_2 and
 * proj2 are prefixes of each other: every cell naming another dataset's receipts is a trailing-slash check.
 */

const EXPORTS = 'mojap-hub-exports';
/** The receipt of `proj/data.csv`, uploaded on 2 December 2026 with sequencer 0055, or the same in another dataset. */
const receipt = (dataset: string) => `${EXPORTS}/export-receipts/${dataset}/2026-12-02/data.csv@0055.json`;
/** The header the exporter sends with every receipt (PutObject If-None-Match: *): create only. */
const CREATE_ONLY = { keys: { 's3:if-none-match': '*' } };
const op = (name: string) => ({ op: name });

export const RECEIPT_CELLS: Cell[] = table('Receipts', [
  // A dataset's users find their receipts (aws s3 ls, by day and file name) and read them (aws s3 cp).
  ['alpha_user_p1', 's3:GetObject', receipt('proj'), 'Allowed', op('aws s3 cp')],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: 'export-receipts/proj/' }],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: 'export-receipts/proj/2026-12-02/data' }],
  // Not another dataset's, not even one whose name starts with theirs; not the list of every dataset's receipts.
  ['alpha_user_p1', 's3:GetObject', receipt('proj_2'), 'Denied'],
  ['alpha_user_p1', 's3:GetObject', receipt('proj2'), 'Denied'],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'export-receipts/' }],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'export-receipts/proj' }],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'export-receipts/proj_2/' }],
  // Read only: a user cannot write, replace or remove a receipt, not even of their own dataset.
  ['alpha_user_p1', 's3:PutObject', receipt('proj'), 'Denied'],
  ['alpha_user_p1', 's3:PutObject', receipt('proj'), 'Denied', CREATE_ONLY],
  ['alpha_user_p1', 's3:DeleteObject', receipt('proj'), 'Denied'],
  ['alpha_user_p1', 's3:DeleteObjectVersion', receipt('proj'), 'Denied'],
  // A user of two push datasets reads both, and only both.
  ['alpha_user_shared', 's3:GetObject', receipt('proj'), 'Allowed'],
  ['alpha_user_shared', 's3:GetObject', receipt('proj_2'), 'Allowed'],
  ['alpha_user_shared', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: 'export-receipts/proj_2/' }],
  ['alpha_user_shared', 's3:GetObject', receipt('proj2'), 'Denied'],
  ['alpha_user_p3', 's3:GetObject', receipt('proj2'), 'Allowed'],
  ['alpha_user_p3', 's3:GetObject', receipt('proj'), 'Denied'],
  ['alpha_user_p3', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'export-receipts/proj/' }],

  // Each exporter writes its own dataset's receipts, create only: without If-None-Match the bucket policy refuses.
  ['export_proj-move', 's3:PutObject', receipt('proj'), 'Allowed', { op: 'write a receipt', ...CREATE_ONLY }],
  ['export_proj-move', 's3:PutObject', receipt('proj'), 'Explicitly denied', op('without If-None-Match')],
  ['export_proj-move', 's3:PutObject', receipt('proj'), 'Explicitly denied', op('CreateMultipartUpload')],
  ['export_proj-move', 's3:PutObject', receipt('proj_2'), 'Denied', CREATE_ONLY],
  ['export_proj-move', 's3:PutObject', receipt('proj2'), 'Denied', CREATE_ONLY],
  // It writes them and nothing more: no reading back, no deleting.
  ['export_proj-move', 's3:GetObject', receipt('proj'), 'Denied'],
  ['export_proj-move', 's3:DeleteObject', receipt('proj'), 'Denied'],
  ['export_proj-move', 's3:DeleteObjectVersion', receipt('proj'), 'Denied'],
  ['export_proj_2-move', 's3:PutObject', receipt('proj_2'), 'Allowed', CREATE_ONLY],
  ['export_proj_2-move', 's3:PutObject', receipt('proj'), 'Denied', CREATE_ONLY],
  ['export_proj2-move', 's3:PutObject', receipt('proj2'), 'Allowed', CREATE_ONLY],
  ['export_proj2-move', 's3:PutObject', receipt('proj'), 'Denied', CREATE_ONLY],

  // An administrator, allowed everything by its own policy, may read them but not write, replace or delete them:
  // the export bucket's policy refuses. Only the lifecycle rule, which is no principal, removes them.
  ['platform-admin', 's3:GetObject', receipt('proj'), 'Allowed'],
  ['platform-admin', 's3:PutObject', receipt('proj'), 'Explicitly denied'],
  ['platform-admin', 's3:PutObject', receipt('proj'), 'Explicitly denied', CREATE_ONLY],
  ['platform-admin', 's3:DeleteObject', receipt('proj'), 'Explicitly denied'],
  ['platform-admin', 's3:DeleteObjectVersion', receipt('proj'), 'Explicitly denied'],
  ['platform-admin', 's3:PutObjectTagging', receipt('proj'), 'Explicitly denied'],
  ['platform-admin', 's3:DeleteObjectVersionTagging', receipt('proj'), 'Explicitly denied'],
  // Nobody outside the platform reaches them, not even a dataset's receiver or a pull ARN.
  ['arn:aws:iam::111122223333:role/reader-a', 's3:GetObject', receipt('proj'), 'Denied'],
  ['arn:aws:iam::111122223333:role/reader-a', 's3:PutObject', receipt('proj'), 'Denied', CREATE_ONLY],
  ['anonymous', 's3:GetObject', receipt('proj'), 'Denied'],
]);
