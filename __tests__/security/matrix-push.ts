import { table, type Cell } from './cells';

/**
 * Push datasets of the fixture (__tests__/fixtures/datasets): proj (users p1 and shared), proj_2 (shared; keep_files),
 * proj2 (p3; transfer: stream; kms_key_arn). The three names are prefixes of each other, so every cell naming another
 * dataset's prefix is a trailing-slash check. Objects are written to `mojap-hub-exports/<name>/…`.
 */

const EXPORTS = 'mojap-hub-exports';
/** The most generous receiver (see Context.receiver): our identity policy alone must refuse. */
const TRUSTING = { receiver: 'trusts platform account' } as const;
/** A receiver that granted delivery but not clean-up (see Context.receiver). */
const DELIVERY_ONLY = { receiver: 'pasted only the delivery statement' } as const;
/** A "receiving" bucket that belongs to the platform account after all (see Context.receiver). */
const OURS = { receiver: 'is the platform account' } as const;
/** The approved bucket's name, registered in another account after its receiver deleted it (see Context.receiver). */
const ELSEWHERE = { receiver: 'is in another account' } as const;
/** Finding the multipart uploads a failure left in the receiver's bucket, to abort them (ListMultipartUploads). */
const LIST_UPLOADS = 's3:ListBucketMultipartUploads';
/** The API operation a cell stands for, when IAM authorises it under another name. */
const op = (name: string) => ({ op: name });
/** proj2's kms_key_arn (fixture), another key of the same receiver, and S3 in the keys' region. */
const PROJ2_KEY = 'arn:aws:kms:eu-west-2:777788889999:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY = 'arn:aws:kms:eu-west-2:777788889999:key/mrk-0123456789abcdef0123456789abcdef';
const S3_LONDON = 's3.eu-west-2.amazonaws.com';
/** proj2's key ID in another account than its bucket_owner (777788889999): a key ARN names its account. */
const STRANGER_KEY = 'arn:aws:kms:eu-west-2:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export const PUSH_USERS: Cell[] = table('Push users on the export bucket', [
  // Their own prefix: every step of a single and of a multipart upload, and seeing what waits there.
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj/data.csv`, 'Allowed'],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj/big.bin`, 'Allowed', op('CreateMultipartUpload')],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj/big.bin`, 'Allowed', op('UploadPart')],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj/big.bin`, 'Allowed', op('CompleteMultipartUpload')],
  ['alpha_user_p1', 's3:AbortMultipartUpload', `${EXPORTS}/proj/big.bin`, 'Allowed'],
  ['alpha_user_p1', 's3:ListMultipartUploadParts', `${EXPORTS}/proj/big.bin`, 'Allowed', op('ListParts')],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: 'proj/' }],
  // Nowhere else: not the root, not the prefix without its slash, not the datasets whose names start with "proj".
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj`, 'Denied'],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj_2/big.bin`, 'Denied', op('CreateMultipartUpload')],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj2/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/proj-archive/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:AbortMultipartUpload', `${EXPORTS}/proj_2/big.bin`, 'Denied'],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Denied'],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'proj' }],
  ['alpha_user_p1', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'proj_2/' }],
  // Uploads wait to be moved; nobody but the exporter reads or removes them, not even their author.
  ['alpha_user_p1', 's3:GetObject', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:GetObjectVersion', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:DeleteObject', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:DeleteObjectVersion', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['alpha_user_p1', 's3:ListBucketVersions', EXPORTS, 'Denied', { prefix: 'proj/' }],
  ['alpha_user_p1', 's3:PutObject', 'mojap-hub-exports-lambda-code/exporter/code.zip', 'Denied'],
  // A user of two push datasets gets both, and only both.
  ['alpha_user_shared', 's3:PutObject', `${EXPORTS}/proj/data.csv`, 'Allowed'],
  ['alpha_user_shared', 's3:PutObject', `${EXPORTS}/proj_2/data.csv`, 'Allowed'],
  ['alpha_user_shared', 's3:PutObject', `${EXPORTS}/proj_2/big.bin`, 'Allowed', op('CompleteMultipartUpload')],
  ['alpha_user_shared', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: 'proj_2/' }],
  ['alpha_user_shared', 's3:PutObject', `${EXPORTS}/proj2/data.csv`, 'Denied'],
  ['alpha_user_shared', 's3:GetObject', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['alpha_user_shared', 's3:GetObject', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  ['alpha_user_shared', 's3:DeleteObjectVersion', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  // proj2's only user: the names that look alike are not theirs.
  ['alpha_user_p3', 's3:PutObject', `${EXPORTS}/proj2/data.csv`, 'Allowed'],
  ['alpha_user_p3', 's3:PutObject', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['alpha_user_p3', 's3:PutObject', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  ['alpha_user_p3', 's3:AbortMultipartUpload', `${EXPORTS}/proj/big.bin`, 'Denied'],
  // Progress objects are the exporter's: a user who could write one could steer a copy.
  ['alpha_user_p1', 's3:PutObject', `${EXPORTS}/.exporter-state/proj/0a1b.json`, 'Denied'],
  ['alpha_user_p3', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'proj/' }],
]);

/**
 * Exporter roles: read and (unless keep_files) delete exact versions under their own prefix, write their own target
 * and list the incomplete uploads there. Targets are in the receivers' accounts: see Context.receiver in cells.ts for
 * how those cells are evaluated. Their ledger records: matrix-ledger.ts.
 */
export const EXPORTERS: Cell[] = table('Exporter roles', [
  ['export_proj-move', 's3:GetObjectVersion', `${EXPORTS}/proj/data.csv`, 'Allowed', op('CopyObject source')],
  ['export_proj-move', 's3:GetObject', `${EXPORTS}/proj/data.csv`, 'Allowed', op('HeadObject')],
  ['export_proj-move', 's3:DeleteObjectVersion', `${EXPORTS}/proj/data.csv`, 'Allowed'],
  ['export_proj-move', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: 'proj/data.csv' }],
  ['export_proj-move', 's3:GetObjectVersion', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  ['export_proj-move', 's3:DeleteObjectVersion', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  ['export_proj-move', 's3:GetObjectVersion', `${EXPORTS}/proj2/data.csv`, 'Denied'],
  ['export_proj-move', 's3:ListBucket', EXPORTS, 'Denied', { prefix: 'proj_2/' }],
  // Deleting without a version id would hide a newer upload behind a delete marker; the exporter never needs it.
  ['export_proj-move', 's3:DeleteObject', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['export_proj-move', 's3:PutObject', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['export_proj-move', 's3:PutObject', 'mojap-hub-exports-lambda-code/exporter/code.zip', 'Denied'],
  ['export_proj-move', 's3:PutObject', 'mojap-share-a/proj/data.csv', 'Denied'],
  // Its target (cross-account: our identity policy and the receiver's statement for this role).
  ['export_proj-move', 's3:PutObject', 'receiver-proj/proj/data.csv', 'Allowed', op('CopyObject')],
  ['export_proj-move', 's3:PutObject', 'receiver-proj/proj/big.bin', 'Allowed', op('UploadPartCopy')],
  ['export_proj-move', 's3:PutObjectAcl', 'receiver-proj/proj/data.csv', 'Allowed', op('ACL bucket-owner-full-control')],
  ['export_proj-move', 's3:GetObject', 'receiver-proj/proj/data.csv', 'Allowed', op('HeadObject to verify')],
  ['export_proj-move', 's3:AbortMultipartUpload', 'receiver-proj/proj/big.bin', 'Allowed'],
  // Outside `proj/` in its own target: the receiver's statement and our policy both stop at the prefix.
  ['export_proj-move', 's3:PutObject', 'receiver-proj/other/data.csv', 'Denied'],
  ['export_proj-move', 's3:PutObject', 'receiver-proj/proj_2/data.csv', 'Denied', TRUSTING],
  ['export_proj-move', 's3:DeleteObject', 'receiver-proj/proj/data.csv', 'Denied'],
  ['export_proj-move', 's3:DeleteObject', 'receiver-proj/proj/data.csv', 'Denied', TRUSTING],
  // Another dataset's target: refused by the receiver's statement, and by our policy even if the receiver trusted all.
  ['export_proj-move', 's3:PutObject', 'receiver-proj-2/proj/data.csv', 'Denied'],
  ['export_proj-move', 's3:PutObject', 'receiver-proj-2/proj/data.csv', 'Denied', TRUSTING],
  ['export_proj-move', 's3:PutObject', 'receiver.proj2.example-org/proj/data.csv', 'Denied', TRUSTING],
  // A bucket of the platform account is never a target, whatever the dataset names (s3:ResourceAccount).
  ['export_proj-move', 's3:PutObject', 'receiver-proj/proj/data.csv', 'Denied', OURS],
  // The approved name in any account but bucket_owner (111122223333): every request of a copy is refused, even by a
  // stranger whose policy grants everything (s3:ResourceAccount = bucket_owner).
  ['export_proj-move', 's3:PutObject', 'receiver-proj/proj/data.csv', 'Denied', { op: 'CopyObject', ...ELSEWHERE }],
  ['export_proj-move', 's3:PutObject', 'receiver-proj/proj/big.bin', 'Denied', { op: 'UploadPartCopy', ...ELSEWHERE }],
  ['export_proj-move', 's3:PutObject', 'receiver-proj/proj/big.bin', 'Denied', { op: 'CompleteMultipartUpload', ...ELSEWHERE }],
  ['export_proj-move', 's3:PutObjectAcl', 'receiver-proj/proj/data.csv', 'Denied', ELSEWHERE],
  ['export_proj-move', 's3:GetObject', 'receiver-proj/proj/data.csv', 'Denied', { op: 'HeadObject', ...ELSEWHERE }],
  ['export_proj-move', 's3:AbortMultipartUpload', 'receiver-proj/proj/big.bin', 'Denied', ELSEWHERE],
  // Clean-up: listing the incomplete uploads of its own target (S3 has no narrower grant), when the receiver allows
  // it with receiverCleanUpStatement(); never a platform bucket, never another dataset's target.
  ['export_proj-move', LIST_UPLOADS, 'receiver-proj', 'Allowed', op('ListMultipartUploads after a failure')],
  ['export_proj-move', LIST_UPLOADS, 'receiver-proj', 'Denied', DELIVERY_ONLY],
  ['export_proj-move', LIST_UPLOADS, 'receiver-proj', 'Denied', OURS],
  ['export_proj-move', LIST_UPLOADS, 'receiver-proj', 'Denied', ELSEWHERE],
  ['export_proj-move', 's3:ListBucket', 'receiver-proj', 'Denied'],
  ['export_proj-move', LIST_UPLOADS, 'receiver-proj-2', 'Denied'],
  ['export_proj-move', LIST_UPLOADS, 'receiver-proj-2', 'Denied', TRUSTING],
  ['export_proj-move', LIST_UPLOADS, 'receiver.proj2.example-org', 'Denied', TRUSTING],
  ['export_proj-move', LIST_UPLOADS, EXPORTS, 'Denied'],
  ['export_proj-move', LIST_UPLOADS, 'mojap-hub-exports-ledger', 'Denied'],
  ['export_proj-move', LIST_UPLOADS, 'mojap-share-a', 'Denied'],
  // A copy too long for one invocation keeps its handover under .exporter-state/proj/: its own, no one else's.
  ['export_proj-move', 's3:PutObject', `${EXPORTS}/.exporter-state/proj/0a1b.json`, 'Allowed', op('write its handover')],
  ['export_proj-move', 's3:GetObjectVersion', `${EXPORTS}/.exporter-state/proj/0a1b.json`, 'Allowed'],
  ['export_proj-move', 's3:DeleteObjectVersion', `${EXPORTS}/.exporter-state/proj/0a1b.json`, 'Allowed'],
  ['export_proj-move', 's3:PutObject', `${EXPORTS}/.exporter-state/proj_2/0a1b.json`, 'Denied'],
  ['export_proj-move', 's3:PutObject', `${EXPORTS}/.exporter-state/proj2/0a1b.json`, 'Denied'],
  ['export_proj-move', 's3:ListBucket', EXPORTS, 'Allowed', { prefix: '.exporter-state/proj/0a1b.json' }],
  // Logging and failure reporting: its own log group and queue only.
  ['export_proj-move', 'logs:PutLogEvents', 'logs:/aws/lambda/export_proj-move', 'Allowed'],
  ['export_proj-move', 'logs:PutLogEvents', 'logs:/aws/lambda/export_proj_2-move', 'Denied'],
  ['export_proj-move', 'sqs:SendMessage', 'queue:export_proj-move-failed', 'Allowed', op('on-failure destination')],
  ['export_proj-move', 'sqs:SendMessage', 'queue:export_proj_2-move-failed', 'Denied'],

  // proj_2 keeps files: it reads its prefix and never deletes.
  ['export_proj_2-move', 's3:GetObjectVersion', `${EXPORTS}/proj_2/data.csv`, 'Allowed'],
  ['export_proj_2-move', 's3:DeleteObjectVersion', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  ['export_proj_2-move', 's3:GetObjectVersion', `${EXPORTS}/proj/data.csv`, 'Denied'],
  // Its bucket_owner is written unquoted with a leading zero (012345678901): that account, and no other.
  ['export_proj_2-move', 's3:PutObject', 'receiver-proj-2/proj_2/data.csv', 'Allowed'],
  ['export_proj_2-move', 's3:PutObject', 'receiver-proj-2/proj_2/data.csv', 'Denied', ELSEWHERE],
  ['export_proj_2-move', 's3:PutObject', 'receiver-proj/proj_2/data.csv', 'Denied', TRUSTING],
  ['export_proj_2-move', LIST_UPLOADS, 'receiver-proj-2', 'Allowed'],
  ['export_proj_2-move', LIST_UPLOADS, 'receiver-proj', 'Denied', TRUSTING],
  // Its handover is cleared when a long copy ends, even though the files stay.
  ['export_proj_2-move', 's3:DeleteObjectVersion', `${EXPORTS}/.exporter-state/proj_2/0a1b.json`, 'Allowed'],

  // proj2 streams: the same permissions, its own prefix and target.
  ['export_proj2-move', 's3:GetObjectVersion', `${EXPORTS}/proj2/data.csv`, 'Allowed', op('GetObject stream')],
  ['export_proj2-move', 's3:DeleteObjectVersion', `${EXPORTS}/proj2/data.csv`, 'Allowed'],
  ['export_proj2-move', 's3:GetObjectVersion', `${EXPORTS}/proj/data.csv`, 'Denied'],
  ['export_proj2-move', 's3:DeleteObjectVersion', `${EXPORTS}/proj_2/data.csv`, 'Denied'],
  ['export_proj2-move', 's3:PutObject', 'receiver.proj2.example-org/proj2/big.bin', 'Allowed', op('UploadPart')],
  ['export_proj2-move', 's3:PutObject', 'receiver-proj/proj2/data.csv', 'Denied', TRUSTING],
  ['export_proj2-move', LIST_UPLOADS, 'receiver.proj2.example-org', 'Allowed'],
  ['export_proj2-move', LIST_UPLOADS, 'receiver.proj2.example-org', 'Denied', OURS],
  // The approved name in another account than bucket_owner (777788889999): no request of a stream gets through.
  ['export_proj2-move', 's3:PutObject', 'receiver.proj2.example-org/proj2/data.csv', 'Denied', { op: 'PutObject', ...ELSEWHERE }],
  ['export_proj2-move', 's3:PutObject', 'receiver.proj2.example-org/proj2/big.bin', 'Denied', { op: 'UploadPart', ...ELSEWHERE }],
  ['export_proj2-move', 's3:GetObject', 'receiver.proj2.example-org/proj2/data.csv', 'Denied', { op: 'HeadObject', ...ELSEWHERE }],
  ['export_proj2-move', LIST_UPLOADS, 'receiver.proj2.example-org', 'Denied', ELSEWHERE],
  // A stream too long for one invocation keeps its handover too, under its own name only.
  ['export_proj2-move', 's3:PutObject', `${EXPORTS}/.exporter-state/proj2/0a1b.json`, 'Allowed'],
  ['export_proj2-move', 's3:PutObject', `${EXPORTS}/.exporter-state/proj_2/0a1b.json`, 'Denied'],

  // proj2's receiver encrypts with its own key (kms_key_arn): S3 may use it for the role, in the key's region only.
  ['export_proj2-move', 'kms:GenerateDataKey', `key:${PROJ2_KEY}`, 'Allowed', { op: 'UploadPart', via: S3_LONDON }],
  ['export_proj2-move', 'kms:Decrypt', `key:${PROJ2_KEY}`, 'Allowed', { op: 'UploadPartCopy', via: S3_LONDON }],
  ['export_proj2-move', 'kms:GenerateDataKey', `key:${PROJ2_KEY}`, 'Denied'],
  ['export_proj2-move', 'kms:Decrypt', `key:${PROJ2_KEY}`, 'Denied', { receiver: 'trusts platform account' }],
  ['export_proj2-move', 'kms:GenerateDataKey', `key:${PROJ2_KEY}`, 'Denied', { via: 's3.us-east-1.amazonaws.com' }],
  ['export_proj2-move', 'kms:Encrypt', `key:${PROJ2_KEY}`, 'Denied', { via: S3_LONDON, ...TRUSTING }],
  ['export_proj2-move', 'kms:GenerateDataKey', `key:${OTHER_KEY}`, 'Denied', { via: S3_LONDON, ...TRUSTING }],
  // The same key ID in another account: the statement names the key's ARN, which names bucket_owner's account.
  ['export_proj2-move', 'kms:GenerateDataKey', `key:${STRANGER_KEY}`, 'Denied', { op: 'UploadPart', via: S3_LONDON, ...TRUSTING }],
  ['export_proj2-move', 'kms:Decrypt', `key:${STRANGER_KEY}`, 'Denied', { op: 'UploadPartCopy', via: S3_LONDON, ...TRUSTING }],
  // Datasets that name no key may use none, even one whose policy trusts the whole platform account.
  ['export_proj-move', 'kms:GenerateDataKey', `key:${PROJ2_KEY}`, 'Denied', { via: S3_LONDON, ...TRUSTING }],
]);
