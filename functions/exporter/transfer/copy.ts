import { CopyObjectCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { withRetries } from '../errors';
import { writtenObject, copyOwners } from '../object';
import { writeMultipart, type PartWriter, type StrategyContext, type StrategyResult } from './multipart';
import { copySource, TARGET_ACL } from './requests';

/**
 * One CopyObject of the exact version. Metadata and system headers are copied by S3 itself (directive COPY). Tags
 * are dropped (REPLACE with none), as on the multipart and streamed paths: carrying them would need tagging
 * permissions on both accounts, and every path must give the receiver the same object.
 */
export async function copyObject(ctx: StrategyContext): Promise<StrategyResult> {
  if ((await ctx.beforeWrite?.()) === 'skip') return { strategy: 'copy-object', parts: 1, skipped: true };
  const out = await withRetries(
    () =>
      ctx.client.send(
        new CopyObjectCommand({
          Bucket: ctx.target.bucket,
          Key: ctx.target.key,
          CopySource: copySource(ctx.source),
          ACL: TARGET_ACL,
          MetadataDirective: 'COPY',
          TaggingDirective: 'REPLACE',
          ...copyOwners(ctx.target, ctx.sourceOwner),
        }),
        { abortSignal: ctx.signal },
      ),
    { attempts: ctx.partAttempts, signal: ctx.signal },
  );
  ctx.partDone?.(ctx.source.size);
  return { strategy: 'copy-object', parts: 1, written: writtenObject(out.CopyObjectResult ?? {}, out.VersionId) };
}

/** UploadPartCopy of each byte range of the exact version: the bytes never pass through this process. */
export async function copyMultipart(ctx: StrategyContext): Promise<StrategyResult> {
  const copyPart: PartWriter = async (part, upload, signal) =>
    (
      await ctx.client.send(
        new UploadPartCopyCommand({
          ...upload,
          PartNumber: part.partNumber,
          CopySource: copySource(ctx.source),
          CopySourceRange: `bytes=${part.first}-${part.last}`,
          ...copyOwners(ctx.target, ctx.sourceOwner),
        }),
        { abortSignal: signal },
      )
    ).CopyPartResult;
  return writeMultipart(ctx, 'multipart-copy', copyPart);
}
