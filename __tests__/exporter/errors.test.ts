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

  test("AccessDenied from the receiver's KMS key: the key policy too", () => {
    const e = explain(s3Error('AccessDenied', 403, 'User is not authorized to perform kms:GenerateDataKey'), {
      ...context,
      phase: 'write-target',
    });
    expect(e.message).toContain(
      'its key policy must also allow arn:aws:iam::593291632749:role/service-role/export_proj-move kms:GenerateDataKey',
    );
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
