import { copySourceBucket, operationOf, ownerProblems, ownerRefusal } from '../../scripts/soak/expected-owner';
import type { ProxiedRequest } from '../../scripts/soak/fault-proxy';

const ACCOUNTS = { 'mojap-hub-exports': '593291632749', 'receiver-landing': '012345678901' };

const request = (
  method: string,
  path: string,
  headers: Record<string, string> = {},
): ProxiedRequest => {
  const [p, q = ''] = path.split('?');
  const [bucket, ...key] = p.slice(1).split('/');
  return { method, bucket, key: key.join('/'), query: new URLSearchParams(q), headers };
};
const owner = (account: string) => ({ 'x-amz-expected-bucket-owner': account });
const sourceOwner = (account: string) => ({ 'x-amz-source-expected-bucket-owner': account });
const copyFrom = (source: string) => ({ 'x-amz-copy-source': source });

describe("S3's bucket owner condition, as the proxy emulates it", () => {
  const refused = { status: 403, code: 'AccessDenied', message: 'Access Denied' };

  test('a request naming another account than the owner is refused with 403 AccessDenied', () => {
    const put = request('PUT', '/receiver-landing/proj/a.csv', owner('999988887777'));
    expect(ownerRefusal(ACCOUNTS, put)).toEqual(refused);
    expect(ownerRefusal(ACCOUNTS, request('HEAD', '/mojap-hub-exports/proj/a.csv', owner('012345678901')))).toEqual(
      refused,
    );
  });

  test('naming the owner, or no owner at all (as S3 allows), passes; so does a bucket the test gave no owner', () => {
    expect(ownerRefusal(ACCOUNTS, request('PUT', '/receiver-landing/proj/a.csv', owner('012345678901')))).toBeUndefined();
    expect(ownerRefusal(ACCOUNTS, request('PUT', '/receiver-landing/proj/a.csv'))).toBeUndefined();
    expect(ownerRefusal(ACCOUNTS, request('GET', '/elsewhere/k', owner('111111111111')))).toBeUndefined();
  });

  test("a copy is refused when it names another account as its source bucket's owner", () => {
    const copy = (source: string) =>
      request('PUT', '/receiver-landing/proj/a.csv?partNumber=1&uploadId=u', {
        ...owner('012345678901'),
        ...copyFrom('mojap-hub-exports/proj/a.csv?versionId=v1'),
        ...sourceOwner(source),
      });
    expect(ownerRefusal(ACCOUNTS, copy('593291632749'))).toBeUndefined();
    expect(ownerRefusal(ACCOUNTS, copy('012345678901'))).toEqual(refused);
  });

  test('the copy source is read as S3 reads it: URL-encoded, with or without a leading slash', () => {
    expect(copySourceBucket({ headers: copyFrom('/mojap-hub-exports/proj/a%20b.csv?versionId=x') })).toBe(
      'mojap-hub-exports',
    );
    expect(copySourceBucket({ headers: copyFrom('my.bucket/k') })).toBe('my.bucket');
    expect(copySourceBucket({ headers: {} })).toBeUndefined();
  });
});

describe('the operations the exporter sends, told apart on the wire', () => {
  test.each([
    ['HEAD', '/b/k', {}, 'HeadObject'],
    ['GET', '/b/k?versionId=v', {}, 'GetObject'],
    ['PUT', '/b/k', {}, 'PutObject'],
    ['PUT', '/b/k', copyFrom('s/k'), 'CopyObject'],
    ['POST', '/b/k?uploads', {}, 'CreateMultipartUpload'],
    ['PUT', '/b/k?partNumber=2&uploadId=u', {}, 'UploadPart'],
    ['PUT', '/b/k?partNumber=2&uploadId=u', copyFrom('s/k'), 'UploadPartCopy'],
    ['POST', '/b/k?uploadId=u', {}, 'CompleteMultipartUpload'],
    ['DELETE', '/b/k?uploadId=u', {}, 'AbortMultipartUpload'],
    ['DELETE', '/b/k?versionId=v', {}, 'DeleteObject'],
    ['GET', '/b?uploads&prefix=k', {}, 'ListMultipartUploads'],
    ['GET', '/b?versions&prefix=k', {}, 'ListObjectVersions'],
    ['GET', '/b?list-type=2', {}, 'ListObjectsV2'],
  ])('%s %s %j is %s', (method, path, headers, operation) => {
    expect(operationOf(request(method, path, headers))).toBe(operation);
  });
});

describe('the check of what the exporter sent', () => {
  test('names every request without its owner, with the wrong one, or to a bucket of no known owner', () => {
    const copy = request('PUT', '/receiver-landing/proj/a.csv', copyFrom('mojap-hub-exports/proj/a.csv'));
    expect(ownerProblems(ACCOUNTS, copy)).toEqual([
      'CopyObject s3://receiver-landing/proj/a.csv: x-amz-expected-bucket-owner is missing, expected 012345678901',
      'CopyObject s3://receiver-landing/proj/a.csv: x-amz-source-expected-bucket-owner is missing, expected 593291632749',
    ]);
    const wrong = request('GET', '/mojap-hub-exports/proj/a.csv', owner('012345678901'));
    expect(ownerProblems(ACCOUNTS, wrong)).toEqual([
      'GetObject s3://mojap-hub-exports/proj/a.csv: x-amz-expected-bucket-owner is 012345678901, expected 593291632749',
    ]);
    expect(ownerProblems(ACCOUNTS, request('HEAD', '/elsewhere/k', owner('012345678901')))).toEqual([
      'HeadObject s3://elsewhere/k: a bucket of no known owner',
    ]);
    const right = { ...copy, headers: { ...copy.headers, ...owner('012345678901'), ...sourceOwner('593291632749') } };
    expect(ownerProblems(ACCOUNTS, right)).toEqual([]);
  });
});
