import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dayOf, RECEIPT_SCHEMA_FILE, receiptKey, receiptPrefix, type Receipt } from '../../naming';

/**
 * The soak's look at receipts, with clients that bypass the proxy: before each delete of an export, that the version
 * has its receipt; at the end, that every upload has exactly one receipt of its final outcome, each valid against the
 * committed schema (functions/exporter/receipt.ts says why both hold).
 */

/** The committed schema, compiled once: the soak and the exporter's tests check every receipt they read with it. */
export const validateReceipt = new Ajv({ allErrors: true, strict: true }).compile(
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', RECEIPT_SCHEMA_FILE), 'utf8')),
);

/** A receipt as read back, or why it is not one. */
export type ReadReceipt =
  { readonly key: string; readonly receipt: Receipt } | { readonly key: string; readonly invalid: string };

async function keysUnder(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(out.Contents ?? []).map((o) => o.Key!));
    token = out.NextContinuationToken;
  } while (token);
  return keys;
}

async function read(client: S3Client, bucket: string, key: string): Promise<ReadReceipt> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const receipt = JSON.parse(await got.Body!.transformToString()) as Receipt;
  return validateReceipt(receipt) ? { key, receipt } : { key, invalid: JSON.stringify(validateReceipt.errors) };
}

/** Every receipt of a dataset, read back. */
export async function readReceipts(client: S3Client, bucket: string, dataset: string): Promise<ReadReceipt[]> {
  const keys = await keysUnder(client, bucket, receiptPrefix(dataset));
  return Promise.all(keys.map((k) => read(client, bucket, k)));
}

/** A receipt of anything but a failed attempt: the one an upload's final outcome writes. */
export const isFinal = (r: ReadReceipt): r is { key: string; receipt: Receipt } =>
  'receipt' in r && r.receipt.outcome !== 'failed';

/**
 * Whether the version (still in the export bucket: it is about to be deleted) has its final receipt, which is filed
 * under the day of its upload and its key: one HeadObject, one listing, the receipts found read.
 */
export async function hasFinalReceipt(
  client: S3Client,
  at: { bucket: string; dataset: string; key: string; versionId: string },
): Promise<boolean> {
  let uploaded: Date | undefined;
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: at.bucket, Key: at.key, VersionId: at.versionId }));
    uploaded = head.LastModified;
  } catch (err) {
    // Gone: a repeated delete (its answer was lost), checked when it was first sent.
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return true;
    throw err;
  }
  const day = dayOf(uploaded ?? new Date());
  const start = receiptKey({ dataset: at.dataset, day, key: at.key, sequencer: '' }).replace(/@\.json$/, '@');
  for (const key of await keysUnder(client, at.bucket, start)) {
    const r = await read(client, at.bucket, key);
    if (isFinal(r) && r.receipt.version === at.versionId) return true;
  }
  return false;
}
