import { table, type Cell } from './cells';

/**
 * Paused datasets of the fixture (`paused:` in the file): halted (push; user p4) and share_halted (pull; user p4,
 * reader-h). A pause goes through the ordinary reviewed deploy and destroys nothing: it changes policies only (and
 * the exporter's reserved concurrency, 0, which is no IAM matter: stacks-baseline.test.ts holds it).
 */

const EXPORTS = 'mojap-hub-exports';
const READER_H = 'arn:aws:iam::111122223333:role/reader-h';
const op = (name: string) => ({ op: name });

export const PAUSED_CELLS: Cell[] = table('Paused datasets', [
  // Push: no upload, single or multipart; what waits and what happened stay in sight.
  ['alpha_user_p4', 's3:PutObject', `${EXPORTS}/halted/data.csv`, 'Denied'],
  ['alpha_user_p4', 's3:PutObject', `${EXPORTS}/halted/big.bin`, 'Denied', op('CreateMultipartUpload')],
  ['alpha_user_p4', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: 'halted/' }],
  ['alpha_user_p4', 's3:GetObject', `${EXPORTS}/export-receipts/halted/2026-12-02/data.csv@0055.json`, 'Allowed'],
  // Its exporter keeps its grants (it runs nothing while paused): once resumed, what waits is exported.
  ['export_halted-move', 's3:GetObjectVersion', `${EXPORTS}/halted/data.csv`, 'Allowed'],
  // A dataset that is not paused is not touched by another's pause.
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj/while-halted.csv`, 'Allowed'],
  // Pull: the reader loses every access, even with the identity policy describe gives it (ALLOW_EVERYTHING here).
  [READER_H, 's3:GetObject', 'mojap-share-halted/out.csv', 'Denied'],
  [READER_H, 's3:ListBucket', 'mojap-share-halted', 'Denied'],
  [READER_H, 's3:GetBucketLocation', 'mojap-share-halted', 'Denied'],
  // The bucket, its data and the platform users' access stay.
  ['alpha_user_p4', 's3:GetObject', 'mojap-share-halted/out.csv', 'Allowed'],
  ['alpha_user_p4', 's3:PutObject', 'mojap-share-halted/out.csv', 'Allowed'],
  ['alpha_user_p4', 's3:ListBucket', 'mojap-share-halted', 'Allowed'],
]);
