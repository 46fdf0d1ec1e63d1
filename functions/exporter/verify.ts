import type { ObjectFacts, WrittenObject } from './facts';

/**
 * Whether `target` holds the same bytes as `source`, as far as S3's answers can tell: sizes first, then a full-object
 * checksum both carry, then equal ETags (a copy made by CopyObject keeps the ETag). Multipart copies get new ETags,
 * so without checksums (RGW, older objects) the answer can be 'unknown'.
 */
export function compareObjects(source: ObjectFacts, target: ObjectFacts): 'same' | 'different' | 'unknown' {
  if (source.size !== target.size) return 'different';
  const s = source.checksum;
  const t = target.checksum;
  if (s?.fullObject && t?.fullObject && s.algorithm === t.algorithm) return s.value === t.value ? 'same' : 'different';
  if (source.etag && source.etag === target.etag) return 'same';
  return 'unknown';
}

/**
 * Why the target may not yet count as a verified copy of the source, or undefined when it does: the size must match,
 * and when the source carries a full-object checksum the target must carry the same algorithm's value, equal.
 */
export function verificationProblem(source: ObjectFacts, target: ObjectFacts | undefined): string | undefined {
  if (!target) return 'the target object is not there after the copy';
  if (target.size !== source.size) return `the target has ${target.size} bytes, the source ${source.size}`;
  const s = source.checksum;
  if (!s?.fullObject) return undefined;
  const t = target.checksum;
  if (!t || t.algorithm !== s.algorithm || !t.fullObject) {
    const found = t ? `a ${t.fullObject ? 'full-object' : 'composite'} ${t.algorithm}` : 'none';
    return (
      `the source has a full-object ${s.algorithm} checksum but the target ${found}, ` + 'so the copy cannot be checked'
    );
  }
  if (t.value !== s.value) return `the target's ${s.algorithm} is ${t.value}, the source's ${s.value}`;
  return undefined;
}

/** An MD5 ETag: what S3 gives an object written in one request without SSE-KMS or SSE-C. */
const isMd5Etag = (etag?: string): boolean => etag !== undefined && /^[0-9a-f]{32}$/.test(etag);

/**
 * Whether S3's answer to the write alone proves the target holds the source's bytes, so the verifying HeadObject can
 * be skipped: its full-object checksum equals the source's (AWS returns it for copies of objects that have one), or,
 * for a source without one, its MD5 ETag equals the source's (one CopyObject between unencrypted or SSE-S3 buckets).
 * Equal digests of the whole object mean equal sizes too. Anything else is left to the HeadObject.
 */
export function provenByWrite(source: ObjectFacts, written: WrittenObject | undefined): boolean {
  const s = source.checksum;
  const w = written?.checksum;
  if (s?.fullObject) return w?.fullObject === true && w.algorithm === s.algorithm && w.value === s.value;
  return isMd5Etag(source.etag) && written?.etag === source.etag;
}
