import type { ObjectLog, ProgressLog } from '../../functions/exporter/log';
import { emfProblems } from './helpers/emf';
import { eventBridgeEvent } from './helpers/events';
import { describeWithS3, MiB, type Harness } from './helpers/harness';
import { bytesOf, clientFor } from './helpers/local-s3';

// 6 parts of 5 MiB, the last short.
const SIZE = 27 * MiB + 11;
const PART = 5 * MiB;

/**
 * The exporter's own client, slowed by 40 ms before each part is sent, so that a transfer lasts long enough for
 * progress lines whatever the machine's speed (the lines' content is what is asserted, not their timing).
 */
function slowClient(h: Harness, command: string) {
  const client = clientFor(h.s3, 'exporter');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command) await new Promise((r) => setTimeout(r, 40));
      return next(args);
    },
    { step: 'initialize', name: 'slowParts' },
  );
  return client;
}

/** What a data engineer reading the lines in order relies on. */
function expectConsistent(lines: ProgressLog[], final: ObjectLog, partsTotal: number): void {
  expect(lines.length).toBeGreaterThan(0);
  // Only the final line is metrics (CloudWatch Embedded Metric Format); a progress line must not count the object.
  expect(emfProblems(final as unknown as Record<string, unknown>)).toEqual([]);
  expect(final).toMatchObject({ Dataset: final.dataset, ObjectsExported: 1, BytesExported: SIZE, Failures: 0 });
  for (const line of lines) expect(line).not.toHaveProperty('_aws');
  for (const [i, line] of lines.entries()) {
    expect(line).toMatchObject({
      level: 'info',
      dataset: final.dataset,
      key: final.key,
      version: final.version,
      target_bucket: final.target_bucket,
      bytes: SIZE,
      strategy: final.strategy,
      parts_total: partsTotal,
      outcome: 'in_progress',
      error: null,
    });
    expect(line.parts).toBeLessThanOrEqual(partsTotal);
    expect(line.bytes_done).toBeLessThanOrEqual(SIZE);
    // With one part in flight, the bytes in are exactly those of the parts in.
    expect(line.bytes_done).toBe(Math.min(SIZE, line.parts * PART));
    expect(line.eta_s === null).toBe(line.bytes_done === 0);
    expect(line.throughput_mib_s === null).toBe(line.bytes_done === 0);
    if (i > 0) {
      expect(line.parts).toBeGreaterThanOrEqual(lines[i - 1].parts);
      expect(line.duration_ms).toBeGreaterThanOrEqual(lines[i - 1].duration_ms);
    }
    expect(line.duration_ms).toBeLessThanOrEqual(final.duration_ms);
  }
  // Parts land while the lines are written, not all at the end.
  expect(lines.some((l) => l.parts > 0 && l.parts < partsTotal)).toBe(true);
}

describeWithS3('progress lines while a long transfer runs', (h) => {
  test.each([
    ['copy', 'UploadPartCopyCommand'],
    ['stream', 'UploadPartCommand'],
  ])('%s: a line every PROGRESS_LOG_INTERVAL_MS, then the one final line', async (mode, partCommand) => {
    const { buckets } = h();
    const uploaded = await buckets.upload(`proj/progress/${mode}.bin`, bytesOf(SIZE));
    const client = slowClient(h(), partCommand);
    const run = await h().run(
      eventBridgeEvent(buckets.exportBucket, uploaded),
      { TRANSFER_MODE: mode, PART_CONCURRENCY: '1', PROGRESS_LOG_INTERVAL_MS: '10' },
      { client },
    );
    client.destroy();
    expect(run.error).toBeUndefined();
    expect(run.logs).toHaveLength(1);
    expect(run.logs[0]).toMatchObject({ outcome: 'moved', parts: 6 });
    expectConsistent(run.progress, run.logs[0], 6);
  });

  test('a transfer shorter than the interval (default 30 s) writes only its final line', async () => {
    const { buckets } = h();
    const uploaded = await buckets.upload('proj/progress/short.bin', bytesOf(SIZE));
    const run = await h().run(eventBridgeEvent(buckets.exportBucket, uploaded));
    expect(run.logs).toMatchObject([{ outcome: 'moved', strategy: 'multipart-copy', parts: 6 }]);
    expect(run.progress).toEqual([]);
  });
});
