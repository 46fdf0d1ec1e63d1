import type { ErrorReply, ProxiedRequest } from './fault-proxy';

/**
 * S3's bucket owner condition, for the proxy (fault-proxy.ts) in front of the local server, and a check of the
 * requests that pass it.
 *
 * AWS documents (S3 User Guide, "Verifying bucket ownership with bucket owner condition") that a request carrying
 * `x-amz-expected-bucket-owner` fails with 403 AccessDenied when another account owns its bucket, and a copy carrying
 * `x-amz-source-expected-bucket-owner` when another account owns the source bucket. The local server, Ceph RGW 16.2,
 * ignores both headers (`__tests__/exporter/bucket-owner.s3.test.ts` shows it), and has no 12-digit accounts at all.
 * `ownerRefusal` EMULATES the documented AWS behaviour: the proxy answers as S3 would, for buckets whose "real" owner
 * the test says. It proves what the exporter does when S3 refuses; it proves nothing about S3 itself.
 */

/** Which account owns each bucket, as the emulation (or a check) takes it. Buckets not in it are not checked. */
export type BucketAccounts = Readonly<Record<string, string>>;

const OWNER = 'x-amz-expected-bucket-owner';
const SOURCE_OWNER = 'x-amz-source-expected-bucket-owner';

const header = (req: Pick<ProxiedRequest, 'headers'>, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** The bucket of `x-amz-copy-source` (`bucket/key?versionId=…`, URL-encoded, maybe with a leading slash). */
export function copySourceBucket(req: Pick<ProxiedRequest, 'headers'>): string | undefined {
  const source = header(req, 'x-amz-copy-source');
  if (source === undefined) return undefined;
  const bucket = source.replace(/^\//, '').split(/[/?]/)[0];
  try {
    return decodeURIComponent(bucket);
  } catch {
    return bucket;
  }
}

/** The S3 operation of a path-style request, by method, sub-resource and copy header (the exporter's operations). */
export function operationOf(req: ProxiedRequest): string {
  const { method, key, query } = req;
  const copy = header(req, 'x-amz-copy-source') !== undefined;
  if (key === '') {
    if (method === 'GET' && query.has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET' && query.has('versions')) return 'ListObjectVersions';
    if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    return `${method} bucket`;
  }
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'DELETE') return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'POST') return query.has('uploads') ? 'CreateMultipartUpload' : 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
  if (method === 'PUT') return copy ? 'CopyObject' : 'PutObject';
  return `${method} object`;
}

/**
 * EMULATED S3 behaviour: 403 AccessDenied, as S3 answers it, when the request names another account as its bucket's
 * owner, or (copies) as its source bucket's owner, than `accounts` says owns that bucket. A request naming no owner
 * passes, as on S3.
 */
export function ownerRefusal(accounts: BucketAccounts, req: ProxiedRequest): ErrorReply | undefined {
  const named = header(req, OWNER);
  const owner = accounts[req.bucket];
  const source = copySourceBucket(req);
  const namedSource = header(req, SOURCE_OWNER);
  const sourceOwner = source === undefined ? undefined : accounts[source];
  const wrong =
    (named !== undefined && owner !== undefined && named !== owner) ||
    (namedSource !== undefined && sourceOwner !== undefined && namedSource !== sourceOwner);
  return wrong ? { status: 403, code: 'AccessDenied', message: 'Access Denied' } : undefined;
}

/**
 * What is wrong with a request the exporter sent, against the accounts that must own the buckets: every request must
 * name its bucket's owner, and every copy its source bucket's owner too. A request to a bucket `accounts` does not
 * know is wrong as well (the exporter has no business there).
 */
export function ownerProblems(accounts: BucketAccounts, req: ProxiedRequest): string[] {
  const what = `${operationOf(req)} s3://${req.bucket}/${req.key}`;
  const problems: string[] = [];
  const expected = accounts[req.bucket];
  const named = header(req, OWNER);
  if (expected === undefined) problems.push(`${what}: a bucket of no known owner`);
  else if (named !== expected) problems.push(`${what}: ${OWNER} is ${named ?? 'missing'}, expected ${expected}`);
  const source = copySourceBucket(req);
  if (source !== undefined) {
    const expectedSource = accounts[source];
    const namedSource = header(req, SOURCE_OWNER);
    if (expectedSource === undefined) problems.push(`${what}: copies from s3://${source}, a bucket of no known owner`);
    else if (namedSource !== expectedSource) {
      problems.push(`${what}: ${SOURCE_OWNER} is ${namedSource ?? 'missing'}, expected ${expectedSource}`);
    }
  }
  return problems;
}
