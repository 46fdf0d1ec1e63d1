import { table, type Cell } from './cells';

/**
 * Pull datasets of the fixture: share_a (bucket mojap-share-a; users shared and p1; pull ARNs reader-a in 111122223333
 * and team/writer-a in 444455556666; allow_push; versioned) and share_b (mojap-share-b; user shared; pull ARN reader-b,
 * also in 111122223333, so "same account" is never enough).
 *
 * Pull ARNs are in other accounts. Their own account's policy is modelled as allowing everything (see cells.ts), so
 * each of these cells is decided by our bucket policy alone: the worst case for us.
 */

const READER_A = 'arn:aws:iam::111122223333:role/reader-a';
const WRITER_A = 'arn:aws:iam::444455556666:role/team/writer-a';
const READER_B = 'arn:aws:iam::111122223333:role/reader-b';
const NOT_LISTED = 'arn:aws:iam::111122223333:role/someone-else';

export const PULL_USERS: Cell[] = table('Pull users (platform roles)', [
  ['alpha_user_shared', 's3:GetObject', 'mojap-share-a/out.csv', 'Allowed'],
  ['alpha_user_shared', 's3:GetObjectVersion', 'mojap-share-a/out.csv', 'Allowed'],
  ['alpha_user_shared', 's3:PutObject', 'mojap-share-a/out.csv', 'Allowed'],
  ['alpha_user_shared', 's3:DeleteObject', 'mojap-share-a/out.csv', 'Allowed'],
  ['alpha_user_shared', 's3:ListBucket', 'mojap-share-a', 'Allowed'],
  // Versioned history is kept for the noncurrent-version period: users cannot purge it.
  ['alpha_user_shared', 's3:DeleteObjectVersion', 'mojap-share-a/out.csv', 'Denied'],
  ['alpha_user_shared', 's3:PutBucketPolicy', 'mojap-share-a', 'Denied'],
  ['alpha_user_shared', 's3:GetObject', 'mojap-share-b/out.csv', 'Allowed'],
  ['alpha_user_shared', 's3:PutObject', 'mojap-share-b/out.csv', 'Allowed'],
  ['alpha_user_shared', 's3:GetObjectVersion', 'mojap-share-b/out.csv', 'Denied'],
  ['alpha_user_p1', 's3:GetObject', 'mojap-share-a/out.csv', 'Allowed'],
  ['alpha_user_p1', 's3:GetObject', 'mojap-share-b/out.csv', 'Denied'],
  ['alpha_user_p1', 's3:PutObject', 'mojap-share-b/out.csv', 'Denied'],
  ['alpha_user_p1', 's3:ListBucket', 'mojap-share-b', 'Denied'],
  ['alpha_user_p3', 's3:GetObject', 'mojap-share-a/out.csv', 'Denied'],
]);

export const PULL_ARNS: Cell[] = table('Pull ARNs (external roles)', [
  [READER_A, 's3:GetObject', 'mojap-share-a/out.csv', 'Allowed'],
  [READER_A, 's3:GetObjectVersion', 'mojap-share-a/out.csv', 'Allowed'],
  [READER_A, 's3:ListBucket', 'mojap-share-a', 'Allowed'],
  [READER_A, 's3:GetBucketLocation', 'mojap-share-a', 'Allowed'],
  // share_a has allow_push: its pull ARNs write and delete objects, but never versions, the bucket or its policy.
  [READER_A, 's3:PutObject', 'mojap-share-a/in.csv', 'Allowed'],
  [READER_A, 's3:DeleteObject', 'mojap-share-a/in.csv', 'Allowed'],
  [READER_A, 's3:DeleteObjectVersion', 'mojap-share-a/in.csv', 'Denied'],
  [READER_A, 's3:PutBucketPolicy', 'mojap-share-a', 'Denied'],
  [READER_A, 's3:PutObjectAcl', 'mojap-share-a/in.csv', 'Denied'],
  [WRITER_A, 's3:PutObject', 'mojap-share-a/in.csv', 'Allowed'],
  [WRITER_A, 's3:GetObject', 'mojap-share-b/out.csv', 'Denied'],
  // Their bucket only.
  [READER_A, 's3:GetObject', 'mojap-share-b/out.csv', 'Denied'],
  [READER_A, 's3:ListBucket', 'mojap-share-b', 'Denied'],
  [READER_A, 's3:GetObject', 'mojap-hub-exports/proj/data.csv', 'Denied'],
  [READER_A, 's3:PutObject', 'mojap-hub-exports/proj/data.csv', 'Denied'],
  [READER_A, 's3:GetObject', 'mojap-hub-exports-lambda-code/exporter/code.zip', 'Denied'],
  // share_b has no allow_push: read only.
  [READER_B, 's3:GetObject', 'mojap-share-b/out.csv', 'Allowed'],
  [READER_B, 's3:ListBucket', 'mojap-share-b', 'Allowed'],
  [READER_B, 's3:PutObject', 'mojap-share-b/in.csv', 'Denied'],
  [READER_B, 's3:DeleteObject', 'mojap-share-b/out.csv', 'Denied'],
  [READER_B, 's3:AbortMultipartUpload', 'mojap-share-b/in.csv', 'Denied'],
  [READER_B, 's3:GetObjectVersion', 'mojap-share-b/out.csv', 'Denied'],
  // Same account as reader-a, not listed for share_a: the policy names roles, not accounts.
  [READER_B, 's3:GetObject', 'mojap-share-a/out.csv', 'Denied'],
  [NOT_LISTED, 's3:GetObject', 'mojap-share-a/out.csv', 'Denied'],
  [NOT_LISTED, 's3:ListBucket', 'mojap-share-b', 'Denied'],
]);
