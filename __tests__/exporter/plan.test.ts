import { GiB, MAX_OBJECT_BYTES, MiB } from '../../functions/exporter/defaults';
import { TooLargeError } from '../../functions/exporter/errors';
import { choosePartSize, planParts } from '../../functions/exporter/transfer/parts';
import { streamPartConcurrency } from '../../functions/exporter/transfer/stream';

describe('part size', () => {
  test('the preferred size when the object fits in 10,000 parts of it', () => {
    expect(choosePartSize(10 * GiB, 64 * MiB)).toBe(64 * MiB);
  });

  test('raised to whole MiB so the part count stays within 10,000', () => {
    const size = 1024 * GiB; // 1 TiB at 64 MiB would be 16,384 parts
    const part = choosePartSize(size, 64 * MiB);
    expect(part % MiB).toBe(0);
    expect(Math.ceil(size / part)).toBeLessThanOrEqual(10_000);
    expect(Math.ceil(size / (part - MiB))).toBeGreaterThan(10_000);
  });

  test('never below 5 MiB nor above 5 GiB; the largest object S3 can hold still plans', () => {
    expect(choosePartSize(100, 1)).toBe(5 * MiB);
    expect(choosePartSize(MAX_OBJECT_BYTES, 64 * MiB)).toBe(5 * GiB);
    expect(planParts(MAX_OBJECT_BYTES, 5 * GiB)).toHaveLength(10_000);
  });

  test('an object larger than 10,000 parts of 5 GiB is refused with the reason', () => {
    expect(() => choosePartSize(MAX_OBJECT_BYTES + 1, 64 * MiB)).toThrow(TooLargeError);
  });
});

describe('parts', () => {
  test('inclusive byte ranges covering every byte once; the last part smaller', () => {
    const parts = planParts(5 * MiB + 1, 5 * MiB);
    expect(parts).toEqual([
      { partNumber: 1, first: 0, last: 5 * MiB - 1 },
      { partNumber: 2, first: 5 * MiB, last: 5 * MiB },
    ]);
  });

  test.each([1, 5 * MiB - 1, 5 * MiB, 17 * MiB + 3])('%d bytes: contiguous, complete', (size) => {
    const parts = planParts(size, 5 * MiB);
    expect(parts[0].first).toBe(0);
    expect(parts[parts.length - 1].last).toBe(size - 1);
    for (let i = 1; i < parts.length; i++) expect(parts[i].first).toBe(parts[i - 1].last + 1);
  });
});

describe('streaming memory', () => {
  test('the queue shrinks so part size × (queue + 2) stays within half the memory', () => {
    expect(streamPartConcurrency(64 * MiB, 16, 1024 * MiB)).toBe(6);
    expect(streamPartConcurrency(5 * GiB, 16, 10 * GiB)).toBe(1);
    expect(streamPartConcurrency(64 * MiB, 4)).toBe(4);
  });
});
