import type { S3Client } from '@aws-sdk/client-s3';
import type { ClaimOptions } from './claim';
import type { ExporterConfig } from './config';
import type { Logger } from './log';
import type { TargetLocation } from './transfer/requests';
import type { TransferOptions } from './transfer/transfer';

/**
 * What every step of one object's export shares (the first invocation's and a handed-over one's alike): the client,
 * the configuration, where the object goes, and the options of its transfer and claim.
 */

export interface ExportContext {
  readonly client: S3Client;
  readonly config: ExporterConfig;
  /** The ARN receivers name in their bucket policy (the exporter role); quoted in AccessDenied messages. */
  readonly principal: string;
  readonly log: Logger;
  /** Aborted when the function must stop (Lambda's deadline): the transfer is abandoned cleanly. */
  readonly abortSignal?: AbortSignal;
  /** The function's memory, which bounds streaming buffers. */
  readonly memoryBytes?: number;
  /** True when time is running out: a multipart copy or stream then hands over to the next invocation. */
  readonly handOver?: () => boolean;
  /** The Lambda request ID of this invocation, written into its receipts. */
  readonly requestId?: string;
  /** Until when (ms since the epoch) this invocation may wait for another export's write of the same key. */
  readonly waitUntil?: number;
}

/** Receivers find each file under the path the analyst wrote, dataset prefix included. One rule, in one place. */
export const targetKey = (sourceKey: string): string => sourceKey;

/** Where the source's file goes: the same key in the receiving bucket, which the approved account must own. */
export const targetOf = (config: ExporterConfig, sourceKey: string): TargetLocation => ({
  bucket: config.targetBucket,
  key: targetKey(sourceKey),
  owner: config.targetBucketOwner,
});

/** The options every transfer of this function shares: client, sizes, concurrency, memory, deadline. */
export function transferOptions(
  ctx: ExportContext,
): Pick<
  TransferOptions,
  | 'client'
  | 'sourceOwner'
  | 'mode'
  | 'multipartThresholdBytes'
  | 'partSizeBytes'
  | 'partConcurrency'
  | 'memoryBytes'
  | 'abortSignal'
  | 'handOver'
> {
  const { config } = ctx;
  return {
    client: ctx.client,
    sourceOwner: config.platformAccount,
    mode: config.transferMode,
    multipartThresholdBytes: config.multipartThresholdBytes,
    partSizeBytes: config.partSizeBytes,
    partConcurrency: config.partConcurrency,
    ...(ctx.memoryBytes !== undefined && { memoryBytes: ctx.memoryBytes }),
    ...(ctx.abortSignal && { abortSignal: ctx.abortSignal }),
    ...(ctx.handOver && { handOver: ctx.handOver }),
  };
}

/** Where this key's claims and deliveries are kept, and how long a silent claim lives. */
export function claimOptions(ctx: ExportContext, sourceKey: string): ClaimOptions {
  const { client, config } = ctx;
  return {
    client,
    ledger: { bucket: config.ledgerBucket, owner: config.platformAccount, dataset: config.dataset, key: sourceKey },
    target: targetOf(config, sourceKey),
    ttlMs: config.claimTtlMs,
    ...(ctx.abortSignal && { signal: ctx.abortSignal }),
    waitBudgetMs: () => (ctx.waitUntil ?? Date.now() + 60_000) - Date.now(),
  };
}
