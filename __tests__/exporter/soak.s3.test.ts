import { suiteS3 } from './helpers/local-s3';
import { bundledExporter, formatReport, runSoak, type SoakReport } from '../../scripts/soak/soak';
import { NO_FAULTS } from '../../scripts/soak/fault-proxy';

/**
 * The judge of the exporter's guarantees (docs/soak.md): a few hundred objects per seed, every S3 fault kind through
 * the proxy, duplicate, late and concurrent deliveries and crashes from the simulated EventBridge and Lambda; zero
 * lost, corrupted, wrongly deleted or left over, and no dead letter after one redrive with faults off. Then the
 * harness itself: broken exporters must fail it.
 */
const s3 = suiteS3();
const suite = s3 ? describe : describe.skip;
const MINUTES = 60_000;

suite('soak: the exporter under faults', () => {
  const SEEDS = [11, 12];

  test.each(SEEDS)('seed %i: nothing lost, corrupted, wrongly deleted or left over', async (seed) => {
    const r: SoakReport = await runSoak({ objects: 300, seed });
    process.stdout.write(`${formatReport(r)}\n`);
    expect(r.problems).toEqual([]);
    expect(r.unpinned).toBe(0);
    expect({ lost: r.lost, corrupted: r.corrupted, wronglyDeleted: r.wronglyDeleted, leftOver: r.leftOver }).toEqual({
      lost: 0,
      corrupted: 0,
      wronglyDeleted: 0,
      leftOver: 0,
    });
    expect({ incomplete: r.incompleteUploads, handovers: r.handoversLeft, dead: r.deadLettersAfter }).toEqual({
      incomplete: 0,
      handovers: 0,
      dead: 0,
    });
    // One receipt of its final outcome per upload, each written before its source was deleted.
    expect({ unreceipted: r.unreceipted, duplicated: r.duplicateReceipts }).toEqual({ unreceipted: 0, duplicated: 0 });
    // The run exercised what it claims to: every fault kind, every delivery fault, hand-overs, quick overwrites.
    for (const kind of ['slowDown', 'internalError', 'reset', 'lostAnswer', 'latency'] as const) {
      expect([kind, r.faults[kind]]).toEqual([kind, expect.any(Number)]);
      expect(r.faults[kind]).toBeGreaterThan(0);
    }
    expect(r.delivery.duplicates).toBeGreaterThan(0);
    expect(r.delivery.late).toBeGreaterThan(0);
    expect(r.delivery.crashes).toBeGreaterThan(0);
    expect(r.outcomes.handed_over ?? 0).toBeGreaterThan(0);
    expect(r.outcomes.superseded ?? 0).toBeGreaterThan(0);
  }, 12 * MINUTES);

  describe('fails when the exporter is broken', () => {
    let broken: string;
    beforeAll(() => {
      broken = bundledExporter('scripts/soak/broken-exporter.ts');
    });
    const quiet = { faults: NO_FAULTS, delivery: { duplicate: 0, late: 0, crash: 0 } };

    test('a handler that deletes before it has exported: lost and wrongly deleted', async () => {
      const r = await runSoak({ objects: 30, seed: 5, handlerFile: broken, env: { BROKEN_MODE: 'delete-first' }, ...quiet });
      expect(r.pass).toBe(false);
      expect(r.lost).toBeGreaterThan(0);
      expect(r.wronglyDeleted).toBeGreaterThan(0);
      expect(formatReport(r)).toMatch(/^FAIL: seed 5, [1-9]\d* lost/m);
    }, 6 * MINUTES);

    test('a handler that leaves incomplete uploads in the receiver: left over', async () => {
      const r = await runSoak({ objects: 30, seed: 6, handlerFile: broken, env: { BROKEN_MODE: 'abandon-upload' }, ...quiet });
      expect(r.pass).toBe(false);
      expect(r.incompleteUploads).toBeGreaterThan(0);
      expect(r.lost).toBe(0);
    }, 6 * MINUTES);

    test('a handler that writes no receipts: every upload unreceipted, deleted before its receipt', async () => {
      const r = await runSoak({ objects: 30, seed: 8, handlerFile: broken, env: { BROKEN_MODE: 'no-receipt' }, ...quiet });
      expect(r.pass).toBe(false);
      expect(r.unreceipted).toBeGreaterThanOrEqual(30);
      expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^unreceipted: .* deleted before its receipt was written$/)]));
      expect({ lost: r.lost, corrupted: r.corrupted, wronglyDeleted: r.wronglyDeleted, leftOver: r.leftOver }).toEqual({
        lost: 0,
        corrupted: 0,
        wronglyDeleted: 0,
        leftOver: 0,
      });
      expect(formatReport(r)).toMatch(/^FAIL: seed 8, .* [1-9]\d* receipts amiss/m);
    }, 6 * MINUTES);

    test("a handler whose HeadObjects do not name the bucket's owner: unpinned", async () => {
      const r = await runSoak({ objects: 30, seed: 7, handlerFile: broken, env: { BROKEN_MODE: 'unpinned' }, ...quiet });
      expect(r.pass).toBe(false);
      expect(r.unpinned).toBeGreaterThan(0);
      expect(r.problems[0]).toMatch(/^unpinned: HeadObject s3:\/\/.+: x-amz-expected-bucket-owner is missing, expected \d{12}$/);
      expect({ lost: r.lost, corrupted: r.corrupted, wronglyDeleted: r.wronglyDeleted, leftOver: r.leftOver }).toEqual({
        lost: 0,
        corrupted: 0,
        wronglyDeleted: 0,
        leftOver: 0,
      });
      expect(formatReport(r)).toMatch(/^FAIL: seed 7, .* [1-9]\d* unpinned/m);
    }, 6 * MINUTES);
  });
});
