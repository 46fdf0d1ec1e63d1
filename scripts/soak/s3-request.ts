import type { IncomingHttpHeaders } from 'node:http';

/**
 * What the fault proxy reads of a path-style S3 request before forwarding it: the bucket, key and query it addresses,
 * and which write it is, if any, so that the writes S3 applies can be reported.
 */

/** The writes the proxy reports (ObservedWrite): the ones that make a new version of an object. */
export type WriteOperation = 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload';

export interface Target {
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
}

/** Path-style only (`/<bucket>/<key>`), as the exporter's client is configured (`forcePathStyle`). */
export function parseTarget(url: string): Target {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const slash = path.indexOf('/', 1);
  const bucket = decoded(slash < 0 ? path.slice(1) : path.slice(1, slash));
  return { bucket, key: slash < 0 ? '' : decoded(path.slice(slash + 1)), query };
}

/** Sub-resources (`?tagging`, `?acl`, …) make a PUT on a key something other than a PutObject. */
const isSubresource = (name: string) => name !== 'x-id' && !/^x-amz-/i.test(name);

/** Which write a request is, if any; a part upload is none: only the completed upload makes a version. */
export function writeOperation(method: string, t: Target, headers: IncomingHttpHeaders): WriteOperation | undefined {
  if (t.key === '') return undefined;
  if (method === 'POST') return t.query.has('uploadId') ? 'CompleteMultipartUpload' : undefined;
  if (method !== 'PUT' || t.query.has('partNumber')) return undefined;
  if (headers['x-amz-copy-source'] !== undefined) return 'CopyObject';
  return [...t.query.keys()].some(isSubresource) ? undefined : 'PutObject';
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a raw '%' that S3 will refuse anyway; observing must never throw
  }
}
