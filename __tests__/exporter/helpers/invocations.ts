import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { handoverKey } from '../../../functions/exporter/handover';
import { handoverPrefix } from '../../../naming';
import { eventBridgeEvent } from './events';
import { DATASET, MiB, type Harness } from './harness';
import { bytesOf, clientFor } from './local-s3';

/**
 * Transfers too long for one invocation. Lambda's clock is the one thing these tests stand in for: a context whose
 * remaining time drops below the hand-over margin once the given number of parts (UploadPartCopy or UploadPart) have
 * been sent. Everything else (the upload left open, the handover, the event its write causes, the parts
 * written once) is real S3.
 */
export function invocation(h: Harness, partsBeforeTimeout = Infinity) {
  const client = clientFor(h.s3, 'exporter');
  const parts: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { PartNumber: number };
      if (context.commandName === 'UploadPartCopyCommand' || context.commandName === 'UploadPartCommand') {
        parts.push(input.PartNumber);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordParts' },
  );
  const context: Partial<Context> = {
    getRemainingTimeInMillis: () => (parts.length < partsBeforeTimeout ? 900_000 : 60_000),
  };
  return { client, parts, context };
}
export type Invocation = ReturnType<typeof invocation>;

/**
 * Makes every part request of that invocation (`UploadPartCopyCommand` or `UploadPartCommand`) answer 403 once
 * `when` says so, as a receiver withdrawing its consent would.
 */
export function denyParts(i: Invocation, command: string, when: () => boolean = () => true): void {
  i.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && when()) {
        const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };
        throw Object.assign(new Error('injected AccessDenied'), denied);
      }
      return next(args);
    },
    { step: 'initialize', name: 'denyParts', priority: 'low' },
  );
}

/**
 * While the invocation sends its last part (`command`) of the 6, the analyst uploads the file again and that
 * upload's own export delivers it. Returns the newer file's bytes.
 */
export function overtakeOnLastPart(h: Harness, i: Invocation, command: string, key: string): Uint8Array {
  const newerBody = bytesOf(1000);
  i.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && i.parts.length === 6) {
        const newer = await h.buckets.upload(key, newerBody);
        expect((await h.run(eventBridgeEvent(h.buckets.exportBucket, newer))).logs[0].outcome).toBe('moved');
      }
      return next(args);
    },
    { step: 'initialize', name: 'overtake', priority: 'low' },
  );
  return newerBody;
}

// 6 parts of 5 MiB; one in flight at a time, so a hand-over after n parts leaves exactly n done.
export const SIZE = 27 * MiB + 11;
const ONE_AT_A_TIME = { PART_CONCURRENCY: '1' };

/** Runs the handler in that invocation, one part at a time. */
export async function runIn(h: Harness, event: unknown, i: Invocation, overrides: Record<string, string> = {}) {
  const r = await h.run(event, { ...ONE_AT_A_TIME, ...overrides }, { client: i.client, context: i.context });
  i.client.destroy();
  return r;
}

/** The versions of the handover of one upload, and the event S3 sends for the newest. */
export async function handoverOf(
  h: Harness,
  source: { key: string; versionId: string },
): Promise<{ versions: { key: string; versionId: string }[]; event?: unknown }> {
  const { buckets } = h;
  const key = handoverKey(DATASET, source);
  expect(key.startsWith(handoverPrefix(DATASET))).toBe(true);
  const versions = (await buckets.versions('export', key)).filter((v) => v.key === key);
  const latest = versions.find((v) => v.latest && !v.marker);
  if (!latest) return { versions };
  const head = await buckets.exporter.send(
    new HeadObjectCommand({ Bucket: buckets.exportBucket, Key: latest.key, VersionId: latest.versionId }),
  );
  const event = eventBridgeEvent(buckets.exportBucket, {
    key: latest.key,
    size: head.ContentLength!,
    etag: head.ETag!.replace(/"/g, ''),
    versionId: latest.versionId,
  });
  return { versions, event };
}
