import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { DEFAULT_SETTINGS, exporterRoleArn } from '../../naming';
import { createS3Client, loadConfig, type ExporterConfig } from './config';
import { DEFAULTS } from './defaults';
import { DeadlineError } from './errors';
import { parseEvent } from './event';
import { exportHandedOver, exportObject } from './export';
import { isHandover } from './handover';
import { stdoutLogger, type Logger, type Outcome } from './log';

type Env = Readonly<Record<string, string | undefined>>;

export interface HandlerOptions {
  /** Default: process.env, read on every invocation. */
  readonly env?: Env;
  /** Default: one client per endpoint, kept across invocations. */
  readonly client?: S3Client;
  readonly log?: Logger;
}

export interface HandlerResult {
  readonly outcomes: readonly { readonly key: string; readonly outcome: Outcome }[];
  readonly ignored: readonly string[];
}

/**
 * A long copy is handed over once less than this is left: the margin, or half of what there was at the start when
 * that is less, so a short invocation still gets half its time for parts before it hands over.
 */
export const handOverBelowMs = (remainingAtStartMs: number): number =>
  Math.min(DEFAULTS.handOverMarginMs, remainingAtStartMs / 2);

/**
 * How long from now the invocation's work is aborted: the margin before Lambda's limit (a tenth of the time when
 * that is less), left for aborting a multipart upload and logging.
 */
export const deadlineAfterMs = (remainingMs: number): number =>
  Math.max(0, remainingMs - Math.min(DEFAULTS.deadlineMarginMs, remainingMs / 10));

/** True once the invocation should hand a long copy over to the next one; undefined outside Lambda. */
function handOverCheck(context?: Partial<Context>): (() => boolean) | undefined {
  const remaining = context?.getRemainingTimeInMillis?.bind(context);
  if (!remaining) return undefined;
  const below = handOverBelowMs(remaining());
  return () => remaining() < below;
}

/** The role ARN receivers name in their bucket policy, when the stack does not set EXPORTER_PRINCIPAL. */
function principalOf(config: ExporterConfig, functionArn?: string): string {
  if (config.principal) return config.principal;
  const account = functionArn?.split(':')[4];
  return exporterRoleArn({ ...DEFAULT_SETTINGS, ...(account && { account }) }, config.dataset);
}

function deadline(context?: Partial<Context>): { signal?: AbortSignal; clear: () => void } {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined) return { clear: () => undefined };
  const controller = new AbortController();
  const ms = deadlineAfterMs(remaining);
  const timer = setTimeout(() => {
    controller.abort(new DeadlineError(remaining - ms, remaining));
  }, ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Builds the Lambda handler; tests pass their own environment, client or logger. */
export function makeHandler(options: HandlerOptions = {}) {
  const clients = new Map<string, S3Client>();
  return async (event: unknown, context?: Partial<Context>): Promise<HandlerResult> => {
    const config = loadConfig(options.env ?? process.env);
    const client = options.client ?? clients.get(config.endpoint ?? '') ?? createS3Client(config);
    if (!options.client) clients.set(config.endpoint ?? '', client);
    const { objects, ignored } = parseEvent(event);
    const memoryMb = Number((options.env ?? process.env).AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
    const limit = deadline(context);
    const handOver = handOverCheck(context);
    // Waiting for another export's write of the same key takes at most half the time left; the rest is for ours.
    const remaining = context?.getRemainingTimeInMillis?.();
    const waitUntil = remaining === undefined ? undefined : Date.now() + remaining / 2;
    const outcomes: { key: string; outcome: Outcome }[] = [];
    const failures: Error[] = [];
    try {
      for (const object of objects) {
        try {
          const ctx = {
            client,
            config,
            principal: principalOf(config, context?.invokedFunctionArn),
            log: options.log ?? stdoutLogger,
            ...(limit.signal && { abortSignal: limit.signal }),
            ...(memoryMb > 0 && { memoryBytes: memoryMb * 1024 * 1024 }),
            ...(handOver && { handOver }),
            ...(waitUntil !== undefined && { waitUntil }),
            ...(context?.awsRequestId !== undefined && { requestId: context.awsRequestId }),
          };
          const run = isHandover(config.dataset, object) ? exportHandedOver : exportObject;
          const outcome = await run(ctx, object);
          outcomes.push({ key: object.key, outcome });
        } catch (err) {
          failures.push(err as Error);
        }
      }
    } finally {
      limit.clear();
    }
    // Throwing hands the event to Lambda's retries and then the dead-letter queue; moved objects are skipped then.
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new Error(failures.map((f) => f.message).join('\n'));
    return { outcomes, ignored };
  };
}

export const handler = makeHandler();
