import type { S3Client } from '@aws-sdk/client-s3';
import { GiB, MiB } from '../../functions/exporter/defaults';
import {
  checksumOf,
  compareObjects,
  factsFromHead,
  provenByWrite,
  verificationProblem,
  writtenObject,
  type ObjectFacts,
} from '../../functions/exporter/object';
import { copySource, multipartChecksum } from '../../functions/exporter/transfer/requests';
import { Transfer } from '../../functions/exporter/transfer/transfer';

const facts = (size: number, extra: Partial<ObjectFacts> = {}): ObjectFacts => ({
  bucket: 'b',
  key: 'proj/k',
  size,
  headers: {},
  ...extra,
});
const crc = (value: string, fullObject = true) => ({
  checksum: { algorithm: 'CRC64NVME' as const, value, fullObject },
});

describe('what HeadObject says', () => {
  test('a full-object checksum is told from a composite one, with or without ChecksumType', () => {
    expect(checksumOf({ ChecksumCRC64NVME: 'AAAA', ChecksumType: 'FULL_OBJECT' })).toEqual({
      algorithm: 'CRC64NVME',
      value: 'AAAA',
      fullObject: true,
    });
    expect(checksumOf({ ChecksumCRC32: 'BBBB-3', ChecksumType: 'COMPOSITE' })?.fullObject).toBe(false);
    expect(checksumOf({ ChecksumSHA256: 'CCCC-12' })?.fullObject).toBe(false);
    expect(checksumOf({ ChecksumSHA256: 'CCCC' })?.fullObject).toBe(true);
    expect(checksumOf({})).toBeUndefined();
  });

  test('facts keep the headers a copy must reproduce and drop empty metadata and quotes', () => {
    const f = factsFromHead('b', 'k', {
      ContentLength: 3,
      ETag: '"abc"',
      ContentType: 'text/csv',
      Metadata: {},
      VersionId: 'v',
    });
    expect(f).toEqual({
      bucket: 'b',
      key: 'k',
      size: 3,
      etag: 'abc',
      versionId: 'v',
      headers: { ContentType: 'text/csv' },
    });
  });
});

describe('is the target the same object?', () => {
  test('different sizes are different objects', () => {
    expect(compareObjects(facts(1, { etag: 'e' }), facts(2, { etag: 'e' }))).toBe('different');
  });
  test('equal full-object checksums of one algorithm decide, either way', () => {
    expect(compareObjects(facts(5, crc('x')), facts(5, crc('x')))).toBe('same');
    expect(compareObjects(facts(5, { ...crc('x'), etag: 'e' }), facts(5, { ...crc('y'), etag: 'e' }))).toBe(
      'different',
    );
  });
  test('without comparable checksums an equal ETag means the same bytes; a different one proves nothing', () => {
    expect(compareObjects(facts(5, { etag: 'e' }), facts(5, { etag: 'e' }))).toBe('same');
    expect(compareObjects(facts(5, { etag: 'e' }), facts(5, { etag: 'f-2' }))).toBe('unknown');
    expect(compareObjects(facts(5, crc('x', false)), facts(5, crc('x', false)))).toBe('unknown');
  });
});

describe('verification before deleting', () => {
  test('size must match; a source without a full-object checksum needs nothing more', () => {
    expect(verificationProblem(facts(5), facts(5))).toBeUndefined();
    expect(verificationProblem(facts(5), facts(4))).toBe('the target has 4 bytes, the source 5');
    expect(verificationProblem(facts(5), undefined)).toBe('the target object is not there after the copy');
  });
  test("a source's full-object checksum must be matched by the target's, of the same algorithm", () => {
    expect(verificationProblem(facts(5, crc('x')), facts(5, crc('x')))).toBeUndefined();
    expect(verificationProblem(facts(5, crc('x')), facts(5, crc('y')))).toBe(
      "the target's CRC64NVME is y, the source's x",
    );
    expect(verificationProblem(facts(5, crc('x')), facts(5))).toMatch(/the target none, so the copy cannot be checked/);
  });
});

describe('what S3 answers to the write proves, so the verifying HeadObject is skipped', () => {
  const md5 = '0123456789abcdef0123456789abcdef';
  test("the written object's full-object checksum equals the source's: proven", () => {
    const written = writtenObject({ ETag: '"other"', ChecksumCRC64NVME: 'x', ChecksumType: 'FULL_OBJECT' });
    expect(provenByWrite(facts(5, crc('x')), written)).toBe(true);
  });
  test('a different, composite, missing or other-algorithm checksum leaves it to HeadObject', () => {
    expect(provenByWrite(facts(5, crc('x')), writtenObject({ ChecksumCRC64NVME: 'y' }))).toBe(false);
    const composite = writtenObject({ ChecksumCRC64NVME: 'x', ChecksumType: 'COMPOSITE' });
    expect(provenByWrite(facts(5, crc('x')), composite)).toBe(false);
    expect(provenByWrite(facts(5, { ...crc('x'), etag: md5 }), writtenObject({ ETag: `"${md5}"` }))).toBe(false);
    const otherAlgorithm = writtenObject({ ChecksumCRC32: 'x', ChecksumType: 'FULL_OBJECT' });
    expect(provenByWrite(facts(5, crc('x')), otherAlgorithm)).toBe(false);
    expect(provenByWrite(facts(5, crc('x')), undefined)).toBe(false);
  });
  test('without a source checksum, only an equal MD5 ETag proves it (not a multipart or KMS one)', () => {
    expect(provenByWrite(facts(5, { etag: md5 }), writtenObject({ ETag: `"${md5}"` }))).toBe(true);
    const otherMd5 = `"${'f'.repeat(32)}"`;
    expect(provenByWrite(facts(5, { etag: md5 }), writtenObject({ ETag: otherMd5 }))).toBe(false);
    expect(provenByWrite(facts(5, { etag: `${md5}-2` }), writtenObject({ ETag: `"${md5}-2"` }))).toBe(false);
    expect(provenByWrite(facts(5, { etag: md5 }), writtenObject({ ETag: '""' }))).toBe(false);
    expect(provenByWrite(facts(5), writtenObject({}))).toBe(false);
  });
});

describe('choosing the strategy', () => {
  const plan = (size: number, extra: Partial<ObjectFacts> = {}, mode?: 'copy' | 'stream') =>
    new Transfer({
      client: {} as S3Client,
      source: facts(size, extra),
      target: { bucket: 't', key: 'proj/k', owner: '012345678901' },
      sourceOwner: '111122223333',
      multipartThresholdBytes: 64 * MiB,
      ...(mode && { mode }),
    }).plan().strategy;

  test('CopyObject up to the threshold, multipart above it; streaming whatever the size', () => {
    expect(plan(0)).toBe('copy-object');
    expect(plan(64 * MiB)).toBe('copy-object');
    expect(plan(64 * MiB + 1)).toBe('multipart-copy');
    expect(plan(0, {}, 'stream')).toBe('stream');
  });

  test('a full-object SHA-256 survives only a single copy: CopyObject while S3 allows it (5 GiB)', () => {
    const sha = { checksum: { algorithm: 'SHA256' as const, value: 'x', fullObject: true } };
    expect(plan(GiB, sha)).toBe('copy-object');
    expect(plan(5 * GiB + 1, sha)).toBe('multipart-copy');
    expect(plan(GiB, crc('x'))).toBe('multipart-copy');
  });

  test('a multipart write asks for the source CRC as a full-object checksum, so verification can compare', () => {
    expect(multipartChecksum(facts(1, crc('x')))).toEqual({
      ChecksumAlgorithm: 'CRC64NVME',
      ChecksumType: 'FULL_OBJECT',
    });
    expect(multipartChecksum(facts(1, crc('x-2', false)))).toEqual({});
    expect(multipartChecksum(facts(1))).toEqual({});
  });

  test('the copy source names the exact version, key URL-encoded with slashes kept', () => {
    expect(copySource({ bucket: 'b', key: 'proj/a b+c%/ü=:', versionId: 'v+1' })).toBe(
      'b/proj/a%20b%2Bc%25/%C3%BC%3D%3A?versionId=v%2B1',
    );
  });
});
