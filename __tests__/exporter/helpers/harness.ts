import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { makeHandler, type HandlerResult } from '../../../functions/exporter/handler';
import type { ObjectLog, ProgressLog } from '../../../functions/exporter/log';
import { ACCOUNTS, Buckets, DATASET, suiteS3, PAPERWORK, type LocalS3 } from './local-s3';

export { DATASET } from './local-s3';
export const MiB = 1024 * 1024;

export interface Run {
  readonly result?: HandlerResult;
  readonly error?: Error;
  /** The handler's JSON log lines, one per object. */
  readonly logs: ObjectLog[];
  /** Its progress lines (outcome `in_progress`), in the order written. */
  readonly progress: ProgressLog[];
}

/** Invokes the exporter's handler as Lambda would, configured by environment like the deployed function. */
export class Harness {
  constructor(readonly s3: LocalS3, readonly buckets: Buckets) {}

  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      DATASET,
      TARGET_BUCKET: this.buckets.receiverBucket,
      TARGET_BUCKET_OWNER: ACCOUNTS.receiver,
      PLATFORM_ACCOUNT: ACCOUNTS.platform,
      LEDGER_BUCKET: this.buckets.ledgerBucket,
      PAPERWORK,
      AWS_ENDPOINT_URL_S3: this.s3.endpoint,
      EXPORTER_PRINCIPAL: this.s3.exporter.principal,
      // Small thresholds so multipart paths run on small objects.
      MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
      PART_SIZE_BYTES: String(5 * MiB),
      ...overrides,
    };
  }

  async run(
    event: unknown,
    overrides: Record<string, string> = {},
    options: { client?: S3Client; context?: Partial<Context> } = {},
  ): Promise<Run> {
    const logs: ObjectLog[] = [];
    const progress: ProgressLog[] = [];
    const handler = makeHandler({
      env: this.env(overrides),
      log: (line) => (line.outcome === 'in_progress' ? progress.push(line) : logs.push(line)),
      ...(options.client && { client: options.client }),
    });
    try {
      return { result: await handler(event, options.context), logs, progress };
    } catch (error) {
      return { error: error as Error, logs, progress };
    }
  }
}

/**
 * A describe block with its own export and receiving buckets on the local server; skipped (with one line saying why)
 * only outside CI when no server could be started (suiteS3).
 */
export function describeWithS3(name: string, body: (get: () => Harness) => void): void {
  const s3 = suiteS3();
  if (!s3) {
    describe.skip(name, () => body(() => undefined as never));
    return;
  }
  describe(name, () => {
    let harness: Harness;
    beforeAll(async () => {
      // The handler's own client takes credentials from the environment, as in Lambda.
      process.env.AWS_ACCESS_KEY_ID = s3.exporter.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.exporter.secretAccessKey;
      process.env.AWS_REGION = s3.region;
      harness = new Harness(s3, await new Buckets(s3).create());
    });
    afterAll(async () => harness?.buckets.destroy());
    body(() => harness);
  });
}
