import { table, type Cell } from './cells';

/**
 * The exporters' ledger (`mojap-hub-exports-ledger`, unversioned, created by the exporter stack): one record per
 * exported key, `<name>/<hash of the key>.json`, read and written conditionally by that dataset's exporter only.
 * A record says which upload of a key was delivered, who is working on it and which older versions may be deleted
 * once a newer one is delivered: an exporter that could write another dataset's records could make that exporter
 * skip a file or delete a version nobody delivered, and a user who could write one could do the same to their own. proj, proj_2 and proj2 are prefixes of each other: every cell naming another
 * dataset's records is a trailing-slash check.
 */

const LEDGER = 'mojap-hub-exports-ledger';
const EXPORTS = 'mojap-hub-exports';
const RECORD = '0a1b.json';
const op = (name: string) => ({ op: name });

export const LEDGER_CELLS: Cell[] = table("The exporters' ledger", [
  // Its own records: read, written (If-Match / If-None-Match), and listed so that a missing record is a 404, not a 403.
  ['export_proj-move', 's3:GetObject', `${LEDGER}/proj/${RECORD}`, 'Allowed', op('read the record')],
  ['export_proj-move', 's3:PutObject', `${LEDGER}/proj/${RECORD}`, 'Allowed', op('conditional write')],
  ['export_proj-move', 's3:ListBucket', LEDGER, 'Allowed', { prefix: `proj/${RECORD}` }],
  // Records are replaced, never deleted: the bucket's lifecycle rule removes them.
  ['export_proj-move', 's3:DeleteObject', `${LEDGER}/proj/${RECORD}`, 'Denied'],
  // Not the records of the datasets whose names start with "proj", nor the prefix without its slash.
  ['export_proj-move', 's3:GetObject', `${LEDGER}/proj_2/${RECORD}`, 'Denied'],
  ['export_proj-move', 's3:PutObject', `${LEDGER}/proj_2/${RECORD}`, 'Denied'],
  ['export_proj-move', 's3:GetObject', `${LEDGER}/proj2/${RECORD}`, 'Denied'],
  ['export_proj-move', 's3:PutObject', `${LEDGER}/proj2/${RECORD}`, 'Denied'],
  ['export_proj-move', 's3:PutObject', `${LEDGER}/proj`, 'Denied'],
  ['export_proj-move', 's3:PutObject', `${LEDGER}/${RECORD}`, 'Denied'],
  ['export_proj-move', 's3:ListBucket', LEDGER, 'Denied'],
  ['export_proj-move', 's3:ListBucket', LEDGER, 'Denied', { prefix: 'proj' }],
  ['export_proj-move', 's3:ListBucket', LEDGER, 'Denied', { prefix: 'proj_2/' }],
  // The ledger grant reaches the ledger bucket only: not the same key names in the export bucket.
  ['export_proj-move', 's3:PutObject', `${EXPORTS}/proj/${RECORD}`, 'Denied'],
  ['export_proj-move', 's3:GetObject', `${EXPORTS}/proj_2/${RECORD}`, 'Denied'],
  // proj_2 keeps files but still keeps records; proj2 streams: each its own, and not proj's.
  ['export_proj_2-move', 's3:PutObject', `${LEDGER}/proj_2/${RECORD}`, 'Allowed'],
  ['export_proj_2-move', 's3:GetObject', `${LEDGER}/proj/${RECORD}`, 'Denied'],
  ['export_proj_2-move', 's3:PutObject', `${LEDGER}/proj2/${RECORD}`, 'Denied'],
  ['export_proj2-move', 's3:GetObject', `${LEDGER}/proj2/${RECORD}`, 'Allowed'],
  ['export_proj2-move', 's3:ListBucket', LEDGER, 'Allowed', { prefix: `proj2/${RECORD}` }],
  ['export_proj2-move', 's3:PutObject', `${LEDGER}/proj/${RECORD}`, 'Denied'],
  ['export_proj2-move', 's3:PutObject', `${LEDGER}/proj_2/${RECORD}`, 'Denied'],
  ['export_proj2-move', 's3:ListBucket', LEDGER, 'Denied', { prefix: 'proj/' }],
  // Users never touch it, not even their own dataset's records; nor do pull ARNs.
  ['alpha_user_p1', 's3:GetObject', `${LEDGER}/proj/${RECORD}`, 'Denied'],
  ['alpha_user_p1', 's3:PutObject', `${LEDGER}/proj/${RECORD}`, 'Denied'],
  ['alpha_user_p1', 's3:ListBucket', LEDGER, 'Denied', { prefix: 'proj/' }],
  ['alpha_user_shared', 's3:PutObject', `${LEDGER}/proj_2/${RECORD}`, 'Denied'],
  ['alpha_user_shared', 's3:DeleteObject', `${LEDGER}/proj/${RECORD}`, 'Denied'],
  ['alpha_user_p3', 's3:GetObject', `${LEDGER}/proj2/${RECORD}`, 'Denied'],
  ['arn:aws:iam::111122223333:role/reader-a', 's3:GetObject', `${LEDGER}/proj/${RECORD}`, 'Denied'],
]);
