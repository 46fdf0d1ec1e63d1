import {
  errorCode,
  ExportError,
  inStep,
  isTransient,
  stepOf,
  UploadLeftError,
  withRetries,
} from '../../functions/exporter/errors';
import { explain } from '../../functions/exporter/explain';

const s3Error = (name: string, status: number, message = 'denied') =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

const context = {
  dataset: 'proj',
  principal: 'arn:aws:iam::593291632749:role/service-role/export_proj-move',
  source: { bucket: 'mojap-hub-exports', key: 'proj/a.csv', versionId: 'v1' },
  targetBucket: 'receiver-landing',
  targetBucketOwner: '012345678901',
  platformAccount: '593291632749',
};

describe('what a data engineer reads', () => {
  test('AccessDenied reading the source: the role policy and the stack to redeploy', () => {
    const e = explain(s3Error('AccessDenied', 403), { ...context, phase: 'read-source' });
    expect(e.message).toBe(
      'Export of s3://mojap-hub-exports/proj/a.csv (version v1) to s3://receiver-landing failed while reading the ' +
        'source: arn:aws:iam::593291632749:role/service-role/export_proj-move may not read it (AccessDenied). Its IAM ' +
        'policy needs s3:GetObject, s3:GetObjectVersion on arn:aws:s3:::mojap-hub-exports/proj/* and s3:ListBucket on ' +
        'arn:aws:s3:::mojap-hub-exports: deploy the push-proj stack again. (Every request names the platform account ' +
        "593291632749 as the bucket's owner; S3 gives the same AccessDenied if another account owns it.) The source " +
        'was kept; the event will be retried.',
    );
  });

  test('AccessDenied writing the target: the missing statements, or a bucket no longer in the approved account', () => {
    const e = explain(s3Error('AccessDenied', 403), { ...context, phase: 'write-target' });
    const [first, ...rest] = e.message.split('\n');
    expect(first).toBe(
      'Export of s3://mojap-hub-exports/proj/a.csv (version v1) to s3://receiver-landing failed while writing the ' +
        'target: s3://receiver-landing refused arn:aws:iam::593291632749:role/service-role/export_proj-move ' +
        '(AccessDenied). Either the receiving account has not allowed the exporter, or the bucket may no longer be ' +
        'in the approved account 012345678901: every request names that account, and S3 refuses a bucket of that ' +
        'name in any other account with this same AccessDenied (bucket names are reused after deletion). If the ' +
        "receiver moved or re-created the bucket in another account, the dataset's bucket_owner in " +
        'push_datasets/proj.yaml must be updated in a reviewed pull request; the exporter delivers nowhere else. ' +
        "Otherwise the receiving account must add these statements to that bucket's policy:",
    );
    expect(rest.slice(0, 2).map((line) => JSON.parse(line).Sid)).toEqual([
      'AllowHubExportsDelivery',
      'AllowHubExportsCleanUp',
    ]);
    // The export bucket encrypts with S3-managed keys: no key of ours is involved, and a Deny is the receiver's.
    expect(rest[2]).toBe(
      "If the statements are there already, look for an explicit Deny: in that bucket's policy (one that demands an " +
        "encryption header refuses every write, as the exporter sends none and S3 applies the bucket's default " +
        "encryption), in a resource control policy of the receiving account's organization, or in a service " +
        'control policy that applies to the platform account. Nothing was written to s3://receiver-landing. The ' +
        'source was kept; the event will be retried.',
    );
    expect(e.message).not.toContain('KMS key of the export bucket');
    expect(e.code).toBe('AccessDenied');
  });

  test('AccessDenied verifying the copy: it was written, so only the policy can be missing', () => {
    const e = explain(s3Error('AccessDenied', 403), { ...context, phase: 'verify' });
    expect(e.message).toContain(
      'refused arn:aws:iam::593291632749:role/service-role/export_proj-move (AccessDenied). The receiving account must add',
    );
    expect(e.message).not.toContain('approved account');
    expect(e.message).not.toContain('Nothing was written');
  });

  /** The message KMS gives S3 to pass on when the exporter role's policies do not allow `action` on `key`. */
  const kmsDenied = (action: string, key: string) =>
    s3Error(
      'AccessDenied',
      403,
      `User: arn:aws:sts::593291632749:assumed-role/export_proj-move/x is not authorized to perform: ` +
        `${action} on resource: ${key} because no identity-based policy allows the ${action} action`,
    );

  describe("AccessDenied from the receiver's KMS key", () => {
    const key = 'arn:aws:kms:eu-west-2:777788889999:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const denied = kmsDenied('kms:GenerateDataKey', key);
    const keyStatement =
      '{"Sid":"AllowHubExportsEncryption","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::593291632749:role/' +
      'service-role/export_proj-move"},"Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*",' +
      '"Condition":{"StringEquals":{"kms:ViaService":"s3.eu-west-2.amazonaws.com"}}}';

    test('a dataset without kms_key_arn: add it, with the key KMS named, and the key policy statement', () => {
      const e = explain(denied, { ...context, phase: 'write-target' });
      expect(e.message).toContain(
        `s3://receiver-landing encrypts with the KMS key ${key}, which arn:aws:iam::593291632749:role/service-role/` +
          `export_proj-move may not use. Add "kms_key_arn: ${key}" to push_datasets/proj.yaml and deploy the ` +
          `push-proj stack. The receiving account must add this statement to that key's policy:\n${keyStatement}`,
      );
    });

    test('a dataset naming the key: only the key policy is missing', () => {
      const e = explain(denied, { ...context, phase: 'write-target', targetKeyArn: key });
      expect(e.message).toContain(`may not use. The receiving account must add this statement to that key's policy`);
      expect(e.message).not.toContain('kms_key_arn');
    });

    test('a dataset naming another key than the bucket uses: says which is right', () => {
      const other = 'arn:aws:kms:eu-west-2:777788889999:key/mrk-0123456789abcdef0123456789abcdef';
      const e = explain(denied, { ...context, phase: 'write-target', targetKeyArn: other });
      expect(e.message).toContain(`push_datasets/proj.yaml names ${other}, but the bucket uses ${key}`);
    });
  });

  describe('AccessDenied from a KMS key of the source object', () => {
    // A key of the platform's account: the uploader chose it (the export bucket itself encrypts with SSE-S3).
    const key = 'arn:aws:kms:eu-west-2:593291632749:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
    const denied = kmsDenied('kms:Decrypt', key);
    const advice =
      `s3://mojap-hub-exports/proj/a.csv (version v1) is encrypted with the KMS key ${key}, which ` +
      'arn:aws:iam::593291632749:role/service-role/export_proj-move may not use (AccessDenied): the file was ' +
      "uploaded with a key chosen for it (SSE-KMS), while the export bucket's own encryption uses S3-managed keys " +
      "(SSE-S3), which need no key policy. Upload it again without choosing a KMS key, so that the bucket's default " +
      'encryption applies; nothing is needed from the receiving account.';

    test('while copying: the uploader re-uploads; neither the receiver nor a deploy can fix it', () => {
      const e = explain(denied, { ...context, phase: 'write-target', targetKeyArn: undefined });
      expect(e.message).toBe(
        'Export of s3://mojap-hub-exports/proj/a.csv (version v1) to s3://receiver-landing failed while writing the ' +
          `target: ${advice} The source was kept; the event will be retried.`,
      );
      expect(e.message).not.toContain('kms_key_arn');
      expect(e.message).not.toContain("key's policy");
    });

    test('reading the source: the same; no KMS permission for our role to gain, no stack to deploy', () => {
      const e = explain(denied, { ...context, phase: 'read-source' });
      expect(e.message).toContain(`failed while reading the source: ${advice}`);
      expect(e.message).not.toContain("bucket's key");
      expect(e.message).not.toContain('deploy the push-proj stack');
    });
  });

  test('a dataset whose name contains "kms" is not taken for a KMS refusal', () => {
    const named = {
      ...context,
      dataset: 'hmrc_kms_extracts',
      source: { ...context.source, key: 'hmrc_kms_extracts/a.csv' },
    };
    const denied = s3Error(
      'AccessDenied',
      403,
      'User: arn:aws:sts::593291632749:assumed-role/export_hmrc_kms_extracts-move/x is not authorized to perform: ' +
        's3:PutObject on resource: "arn:aws:s3:::receiver-landing/hmrc_kms_extracts/a.csv"',
    );
    const e = explain(denied, { ...named, phase: 'write-target' });
    expect(e.message).toContain("Otherwise the receiving account must add these statements to that bucket's policy");
    expect(e.message).not.toContain('KMS key');
  });

  test('a failed delete says the copy is fine and only the delete is missing', () => {
    const e = explain(s3Error('AccessDenied', 403), { ...context, phase: 'delete-source' });
    expect(e.message).toContain('may not delete it (AccessDenied). Its IAM policy needs s3:DeleteObjectVersion');
    expect(e.message).toContain('The copy is verified; the source was not deleted');
  });
});

describe('retries', () => {
  test.each([
    ['503 SlowDown', s3Error('SlowDown', 503), true],
    ['500 InternalError', s3Error('InternalError', 500), true],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['403 AccessDenied', s3Error('AccessDenied', 403), false],
    ['404 NoSuchKey', s3Error('NoSuchKey', 404), false],
  ])('%s is transient: %s', (_, err, transient) => {
    expect(isTransient(err)).toBe(transient);
  });

  test('transient failures are tried again up to the limit; others fail at once', async () => {
    const tries = async (err: Error) => {
      let calls = 0;
      const failing = async () => {
        calls++;
        throw err;
      };
      await expect(withRetries(failing, { attempts: 3, baseDelayMs: 1 })).rejects.toBe(err);
      return calls;
    };
    expect(await tries(s3Error('SlowDown', 503))).toBe(3);
    expect(await tries(s3Error('AccessDenied', 403))).toBe(1);
  });
});

describe('an upload left behind when its abort failed too', () => {
  const upload = { Bucket: 'receiver-landing', Key: 'proj/a.csv', UploadId: 'up-1' };
  const left = () => new UploadLeftError(upload, new Error('connection reset'), s3Error('SlowDown', 503, 'slow down'));

  test('is classified as the failure that stopped the transfer, which it keeps unchanged as its cause', () => {
    const original = s3Error('SlowDown', 503, 'slow down');
    const e = new UploadLeftError(upload, new Error('connection reset'), original);
    expect(errorCode(e)).toBe('SlowDown');
    expect(isTransient(e)).toBe(true);
    expect(e.cause).toBe(original);
    expect(original.message).toBe('slow down');
  });

  test('the message tells the failure, then the upload left for the lifecycle rule, once', () => {
    const e = explain(left(), { ...context, phase: 'write-target', note: 'Kept for the retry.' });
    expect(e.message).toMatch(
      /^Export of s3:\/\/mojap-hub-exports\/proj\/a.csv .* failed while writing the target: SlowDown: slow down\./,
    );
    expect(
      e.message.endsWith(
        'Aborting multipart upload up-1 of s3://receiver-landing/proj/a.csv failed too (connection reset); a lifecycle ' +
          'rule AbortIncompleteMultipartUpload removes it. Kept for the retry.',
      ),
    ).toBe(true);
    expect(e.message.split('Aborting multipart upload').length).toBe(2);
    expect(e.code).toBe('SlowDown');
  });

  test('an ExportError it wraps keeps its own words, code and abandonUpload', () => {
    const why = new ExportError('The target is newer.', 'TargetIsNewer', { abandonUpload: true });
    const e = explain(new UploadLeftError(upload, new Error('reset'), why), { ...context, phase: 'write-target' });
    expect(e.message).toMatch(/^The target is newer\. Aborting multipart upload up-1 .* failed too \(reset\)/);
    expect([e.code, e.abandonUpload]).toEqual(['TargetIsNewer', true]);
  });
});

describe('the step an error came from', () => {
  test('is the innermost step that raised it; outside any step, reading the source', async () => {
    const raised = await inStep('write-target', () => inStep('verify', () => Promise.reject(new Error('x')))).catch(
      (e: unknown) => e,
    );
    expect(stepOf(raised)).toMatchObject({ phase: 'verify', failure: new Error('x') });
    expect(stepOf(new Error('y')).phase).toBe('read-source');
  });

  test('words the message', () => {
    const e = explain(s3Error('InternalError', 500, 'boom'), { ...context, phase: 'delete-source' });
    expect(e.message).toContain('failed while deleting the exported source version: InternalError: boom.');
    expect(e.message).toContain('The copy is verified; the source was not deleted');
  });
});
