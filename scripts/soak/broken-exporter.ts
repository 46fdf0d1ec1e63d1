import { CreateMultipartUploadCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { makeHandler } from '../../functions/exporter/handler';
import { createS3Client } from '../../functions/exporter/config';
import { RECEIPTS_ROOT } from '../../naming';

/**
 * Deliberately broken exporters, to show the soak fails when the exporter breaks its promises (a harness that cannot
 * fail proves nothing). BROKEN_MODE chooses the defect:
 * - `delete-first`: deletes the event's version before exporting it, as a handler that deletes before verifying;
 * - `abandon-upload`: leaves an incomplete multipart upload in the receiver's bucket for every object;
 * - `unpinned`: the real exporter, except that its HeadObject requests name no bucket owner (ExpectedBucketOwner);
 * - `no-receipt`: the real exporter, except that its receipts are never written (the client answers for S3).
 * Never deployed: only the soak's own test bundles it.
 */
function unpinnedClient() {
  const c = createS3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3 });
  c.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'HeadObjectCommand') delete (args.input as { ExpectedBucketOwner?: string }).ExpectedBucketOwner;
      return next(args);
    },
    { step: 'initialize', name: 'unpin' },
  );
  return c;
}

/** A client that drops receipt writes and answers as if S3 had taken them. */
function unreceiptedClient() {
  const c = createS3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3 });
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key;
      if (context.commandName === 'PutObjectCommand' && key?.startsWith(RECEIPTS_ROOT)) return { output: { $metadata: {} }, response: {} };
      return next(args);
    },
    { step: 'initialize', name: 'dropReceipts' },
  );
  return c;
}

const mode = process.env.BROKEN_MODE;
const real = makeHandler(
  mode === 'unpinned' ? { client: unpinnedClient() } : mode === 'no-receipt' ? { client: unreceiptedClient() } : {},
);
const client = new S3Client({
  endpoint: process.env.AWS_ENDPOINT_URL_S3,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});

type Detail = { bucket: { name: string }; object: { key: string; 'version-id'?: string } };

export async function handler(event: { detail?: Detail }, context: unknown): Promise<unknown> {
  const o = event.detail?.object;
  const bucket = event.detail?.bucket.name;
  if (o && bucket && !o.key.startsWith('.exporter-state/')) {
    if (process.env.BROKEN_MODE === 'delete-first' && o['version-id']) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.key, VersionId: o['version-id'] }));
    }
    if (process.env.BROKEN_MODE === 'abandon-upload') {
      await client.send(new CreateMultipartUploadCommand({ Bucket: process.env.TARGET_BUCKET, Key: o.key }));
    }
  }
  return real(event, context as never);
}
