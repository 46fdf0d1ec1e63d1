import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { receiptKey, receiptPrefix, type Receipt } from '../../../naming';
import { validateReceipt } from '../../../scripts/soak/receipts';
import { DATASET } from './local-s3';
import type { Buckets } from './local-s3';

/** Receipts read back from the local server as users and the audit table read them. */

export interface Stored {
  readonly key: string;
  readonly receipt: Receipt;
}

/** Every receipt of the dataset, oldest key first, each valid against the schema and filed where its layout says. */
export async function receiptsOf(buckets: Buckets): Promise<Stored[]> {
  const out = await buckets.exporter.send(
    new ListObjectsV2Command({ Bucket: buckets.exportBucket, Prefix: receiptPrefix(DATASET) }),
  );
  const stored: Stored[] = [];
  for (const o of out.Contents ?? []) {
    const got = await buckets.exporter.send(new GetObjectCommand({ Bucket: buckets.exportBucket, Key: o.Key! }));
    const text = await got.Body!.transformToString();
    // One line: the audit table's JSON SerDe reads one object per line.
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    const receipt = JSON.parse(text) as Receipt;
    if (!validateReceipt(receipt)) {
      throw new Error(`${o.Key} is not a valid receipt: ${JSON.stringify(validateReceipt.errors)}`);
    }
    if (receipt.outcome !== 'failed') expect(o.Key).toBe(receiptKey(receipt));
    else expect(o.Key!.startsWith(receiptKey(receipt).replace(/\.json$/, '.failed-'))).toBe(true);
    stored.push({ key: o.Key!, receipt });
  }
  return stored;
}
