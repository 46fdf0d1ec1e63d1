/** S3's limits that shape a transfer (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PART_BYTES = 5 * GiB;
export const MAX_PARTS = 10_000;
/** CopyObject and PutObject refuse anything larger. */
export const MAX_SINGLE_REQUEST_BYTES = 5 * GiB;
export const MAX_OBJECT_BYTES = MAX_PARTS * MAX_PART_BYTES;
