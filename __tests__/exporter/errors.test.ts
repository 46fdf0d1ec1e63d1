import { explain } from '../../functions/exporter/errors';
import { isTransient, withRetries } from '../../functions/exporter/retry';

const s3Error = (name: string, status: number, message = 'denied') =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

const context = {
  dataset: 'proj',
  principal: 'arn:aws:iam::593291632749:role/service-role/export_proj-move',
  source: { bucket: 'mojap-hub-exports', key: 'proj/a.csv', versionId: 'v1' },
  targetBucket: 'receiver-landing',
};

describe('what a data engineer reads', () => {
  test('AccessDenied reading the source: the role policy and the stack to redeploy', () => {
    const e = explain(s3Error('AccessDenied', 403), { ...context, phase: 'read-source' });
    expect(e.message).toBe(
      'Export of s3://mojap-hub-exports/proj/a.csv (version v1) to s3://receiver-landing failed while reading the ' +
        'source: arn:aws:iam::593291632749:role/service-role/export_proj-move may not read it (AccessDenied). Its IAM ' +
        'policy needs s3:GetObject, s3:GetObjectVersion on arn:aws:s3:::mojap-hub-exports/proj/* and s3:ListBucket on ' +
        'arn:aws:s3:::mojap-hub-exports: deploy the push-proj stack again. The source was kept; the event will be retried.',
    );
  });

  describe("AccessDenied from the receiver's KMS key", () => {
    const key = 'arn:aws:kms:eu-west-2:777788889999:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    // The message KMS gives S3 to pass on, for a writer its policies do not allow.
    const denied = s3Error(
      'AccessDenied',
      403,
      `User: arn:aws:sts::593291632749:assumed-role/export_proj-move/x is not authorized to perform: ` +
        `kms:GenerateDataKey on resource: ${key} because no identity-based policy allows the ` +
        'kms:GenerateDataKey action',
    );
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
