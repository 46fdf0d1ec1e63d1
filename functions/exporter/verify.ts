import type { ObjectFacts } from './facts';

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
