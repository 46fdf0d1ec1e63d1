import { MAX_OBJECT_BYTES, MAX_PART_BYTES, MAX_PARTS, MiB, MIN_PART_BYTES } from '../defaults';
import { TooLargeError } from '../errors';

/** One byte range of a multipart transfer; `first` and `last` are inclusive, as in an HTTP Range header. */
export interface Part {
  readonly partNumber: number;
  readonly first: number;
  readonly last: number;
}

/**
 * The preferred part size, raised (to whole MiB) when the object would otherwise need more than 10,000 parts, and
 * kept within S3's 5 MiB to 5 GiB.
 */
export function choosePartSize(size: number, preferred: number): number {
  if (size > MAX_OBJECT_BYTES) {
    throw new TooLargeError(`${size} bytes is more than S3 can hold in one object (${MAX_PARTS} parts of 5 GiB)`);
  }
  const needed = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB;
  return Math.min(MAX_PART_BYTES, Math.max(MIN_PART_BYTES, preferred, needed));
}

/** How many parts of `partSize` cover `size` bytes. */
export const partCount = (size: number, partSize: number): number => Math.ceil(size / partSize);

/** The size of part `partNumber` (from 1) of `size` bytes in parts of `partSize`: the last may be smaller. */
export const partBytes = (size: number, partSize: number, partNumber: number): number =>
  Math.max(0, Math.min(partSize, size - (partNumber - 1) * partSize));

/** Byte ranges covering `size` (> 0) bytes in parts of `partSize`; the last part may be smaller. */
export function planParts(size: number, partSize: number): Part[] {
  if (!(size > 0)) throw new RangeError(`a multipart transfer needs at least one byte, not ${size}`);
  const count = partCount(size, partSize);
  if (count > MAX_PARTS) throw new TooLargeError(`${count} parts of ${partSize} bytes is more than S3's ${MAX_PARTS}`);
  return Array.from({ length: count }, (_, i) => ({
    partNumber: i + 1,
    first: i * partSize,
    last: Math.min(size, (i + 1) * partSize) - 1,
  }));
}
