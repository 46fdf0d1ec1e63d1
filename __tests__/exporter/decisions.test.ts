/**
 * The exporter's decisions as values, without a server: which version an event means, whether the target may be
 * written, how an object is transferred, and when an invocation hands over. What S3 does with those decisions is
 * tested against the local server (the *.s3.test.ts suites).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULTS, GiB, MiB } from '../../functions/exporter/defaults';
import { ExportError } from '../../functions/exporter/errors';
import { versionMeant, type ObjectCreated } from '../../functions/exporter/event';
import { deadlineAfterMs, handOverBelowMs } from '../../functions/exporter/handler';
import { commit, EMPTY_RECORD, enter, targetDecision, type KeyRecord } from '../../functions/exporter/ledger';
import type { ObjectFacts } from '../../functions/exporter/object';
import { stopsStarting, type OpenUpload } from '../../functions/exporter/transfer/multipart';
import { Transfer, type TransferOptions } from '../../functions/exporter/transfer/transfer';

const facts = (extra: Partial<ObjectFacts> = {}): ObjectFacts => ({
  bucket: 'hub',
  key: 'proj/a.csv',
  size: 12,
  etag: 'e1',
  headers: {},
  ...extra,
});

/** What the function's code would catch: the ExportError thrown, or undefined when nothing was. */
function thrown(run: () => unknown): ExportError | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof ExportError) return err;
    throw err;
  }
  return undefined;
}

describe('versionMeant: which version of which reading of the key an event means', () => {
  const event: ObjectCreated = {
    bucket: 'hub',
    key: 'proj/a.csv',
    keyEncoding: 'undocumented',
    size: 12,
    etag: 'e1',
    versionId: 'v1',
    sequencer: '0A',
  };
  const v1 = facts({ versionId: 'v1' });
  const v2 = facts({ versionId: 'v2', size: 99, etag: 'e2' });

  test("the newest version is the event's: current, without asking for it by id", () => {
    expect(versionMeant(event, v1)).toEqual({ status: 'current', source: v1 });
  });

  test('a newer upload at the key: ask by id; the version found then is superseded by a newer upload', () => {
    expect(versionMeant(event, v2)).toBeUndefined();
    expect(versionMeant(event, v2, v1)).toEqual({ status: 'superseded', source: v1, by: 'a newer upload' });
  });

  test('a deletion (no newest version, a delete marker): the version found by id is superseded by a deletion', () => {
    expect(versionMeant(event, undefined)).toBeUndefined();
    expect(versionMeant(event, undefined, v1)).toEqual({ status: 'superseded', source: v1, by: 'a deletion' });
  });

  test('the version is not there by id either: this reading does not hold it (gone after the last reading)', () => {
    expect(versionMeant(event, v2, undefined)).toBeUndefined();
    expect(versionMeant(event, undefined, undefined)).toBeUndefined();
  });

  test('without a version id, the size and ETag say which reading the event means', () => {
    const { versionId: _none, ...unversioned } = event;
    const plain = facts();
    expect(versionMeant(unversioned, plain)).toEqual({ status: 'current', source: plain });
    expect(versionMeant(unversioned, facts({ size: 13 }))).toBeUndefined();
    expect(versionMeant(unversioned, facts({ etag: 'e9' }))).toBeUndefined();
    expect(versionMeant(unversioned, undefined)).toBeUndefined();
    // An event that states neither matches whatever is at the key.
    const bare = { bucket: 'hub', key: 'proj/a.csv', keyEncoding: 'form' as const };
    expect(versionMeant(bare, facts({ size: 5, etag: 'x' }))?.status).toBe('current');
  });

  // A version is immutable: larger or smaller than the event says, it is not the one the event describes.
  test.each([
    ['the newest version', 13, (resized: ObjectFacts) => versionMeant(event, resized)],
    ['the version found by id', 11, (resized: ObjectFacts) => versionMeant(event, v2, resized)],
  ])("%s with %d bytes, not the event's 12, is refused: nothing copied or deleted", (_, size, meant) => {
    const err = thrown(() => meant(facts({ versionId: 'v1', size })));
    expect(err?.code).toBe('EventMismatch');
    expect(err?.message).toMatch(
      new RegExp(`has ${size} bytes but the event says 12: .*nothing was copied or deleted`),
    );
  });
});

describe('targetDecision: write, skip, or stop with TargetIsNewer', () => {
  const uploaded = new Date('2024-05-01T10:00:00Z');
  const later = new Date('2024-05-01T11:00:00Z');
  const earlier = new Date('2024-05-01T09:00:00Z');
  const sha = (value: string) => ({ checksum: { algorithm: 'SHA256' as const, value, fullObject: true } });
  const source = facts({ versionId: 'v1', lastModified: uploaded, ...sha('aaa') });
  const target = (extra: Partial<ObjectFacts>): ObjectFacts => facts({ bucket: 'receiver', ...extra });
  /** Someone else's write after the upload, of other bytes. */
  const newerOther = target({ etag: 'theirs', lastModified: later, ...sha('bbb') });

  const me = (sequencer: string) => ({ id: `claim-${sequencer}`, sequencer, versionId: `v${sequencer}` });
  /** The record once a claim took the key's write, as the ledger makes it. */
  const took = (r: KeyRecord, sequencer: string): KeyRecord => enter(r, me(sequencer), 1_000, 30_000, true).record!;
  /** The record once that write was delivered, leaving the target with `targetEtag`. */
  const delivered = (r: KeyRecord, sequencer: string, targetEtag: string): KeyRecord =>
    commit(took(r, sequencer), me(sequencer), targetEtag).record!;
  const decide = (t: ObjectFacts | undefined, record: KeyRecord = EMPTY_RECORD, keepFiles = false) =>
    targetDecision(source, t, record, keepFiles);

  test('no target: write', () => {
    expect(decide(undefined)).toBe('write');
  });

  test('the same bytes by checksum, whatever the ETag and date: skip', () => {
    expect(decide(target({ etag: 'multipart-2', lastModified: later, ...sha('aaa') }))).toBe('skip');
  });

  test("our own delivery, recognised by the target's ETag in the ledger: write over it", () => {
    const ours = target({ etag: 'ours', lastModified: later, ...sha('bbb') });
    expect(decide(ours, delivered(EMPTY_RECORD, '0A', 'ours'))).toBe('write');
    expect(thrown(() => decide(ours, delivered(EMPTY_RECORD, '0A', 'other')))?.code).toBe('TargetIsNewer');
  });

  test('a claim took the write after the last delivery (it may have written and died before committing): write', () => {
    const before = delivered(EMPTY_RECORD, '0A', 'ours');
    expect(decide(newerOther, took(before, '0B'))).toBe('write');
    // Once that write is committed with another ETag, the target is provably not ours.
    expect(thrown(() => decide(newerOther, delivered(before, '0B', 'ours-too')))?.code).toBe('TargetIsNewer');
  });

  test('a target older than the upload, of other bytes: write', () => {
    expect(decide(target({ etag: 'old', lastModified: earlier, ...sha('bbb') }))).toBe('write');
  });

  test('a newer target of other bytes, not ours: stopped, not overwritten, source kept', () => {
    const err = thrown(() => decide(newerOther));
    expect(err?.code).toBe('TargetIsNewer');
    expect(err?.abandonUpload).toBe(true);
    expect(err?.message).toMatch(/s3:\/\/receiver\/proj\/a\.csv holds different bytes written 2024-05-01T11:00:00/);
    expect(err?.message).toMatch(/It was not overwritten and the source was kept/);
  });

  test('a newer target S3 cannot compare: written when files are kept and nothing was delivered, else stopped', () => {
    const unknown = target({ etag: 'theirs', lastModified: later });
    expect(decide(unknown, EMPTY_RECORD, true)).toBe('write');
    expect(thrown(() => decide(unknown, EMPTY_RECORD, false))?.message).toMatch(/S3 reports no checksum to compare/);
    expect(thrown(() => decide(unknown, delivered(EMPTY_RECORD, '0A', 'ours'), true))?.code).toBe('TargetIsNewer');
  });
});

describe('Transfer.plan: how an object is written, decided before any request', () => {
  const plan = (size: number, extra: Partial<TransferOptions> = {}, source: Partial<ObjectFacts> = {}) =>
    new Transfer({
      client: {} as S3Client,
      source: facts({ size, ...source }),
      target: { bucket: 'receiver', key: 'proj/a.csv', owner: '012345678901' },
      sourceOwner: '111122223333',
      ...extra,
    }).plan();
  const handover = (strategy: OpenUpload['strategy']): OpenUpload => ({ strategy, uploadId: 'u1', completed: [] });
  const sha256 = { checksum: { algorithm: 'SHA256' as const, value: 'x', fullObject: true } };
  const threshold = DEFAULTS.multipartThresholdBytes;

  // Every row is complete: a test function with more parameters than its row gets is waited on as taking `done`.
  test.each<[string, string, number, Partial<TransferOptions>, Partial<ObjectFacts>]>([
    ['a small object', 'copy-object', MiB, {}, {}],
    ['exactly the threshold', 'copy-object', threshold, {}, {}],
    ['a byte above the threshold', 'multipart-copy', threshold + 1, {}, {}],
    ['a small object in stream mode', 'stream', MiB, { mode: 'stream' }, {}],
    ['a handed-over stream, in copy mode', 'stream', MiB, { mode: 'copy', handover: handover('stream') }, {}],
    [
      'a handed-over copy, in stream mode',
      'multipart-copy',
      MiB,
      { mode: 'stream', handover: handover('multipart-copy') },
      {},
    ],
    ['a full-object SHA-256 above the threshold, under 5 GiB', 'copy-object', GiB, {}, sha256],
    ['a full-object SHA-256 over 5 GiB (more than one CopyObject takes)', 'multipart-copy', 5 * GiB + 1, {}, sha256],
  ])('%s: %s', (_, strategy, size, options, source) => {
    expect(plan(size, options, source).strategy).toBe(strategy);
  });

  test('parts of the preferred size, raised so a 1 TiB object needs at most 10,000', () => {
    expect(plan(GiB).partSize).toBe(DEFAULTS.partSizeBytes);
    expect(plan(1024 * GiB, { partSizeBytes: 64 * MiB }).partSize).toBe(105 * MiB);
  });
});

describe('when to hand over', () => {
  test('a 900 s invocation hands over below 150 s left and is stopped 30 s before its limit', () => {
    expect(handOverBelowMs(900_000)).toBe(150_000);
    expect(deadlineAfterMs(900_000)).toBe(870_000);
  });

  test('a 60 s invocation hands over below 30 s left and is stopped at 54 s', () => {
    expect(handOverBelowMs(60_000)).toBe(30_000);
    expect(deadlineAfterMs(60_000)).toBe(54_000);
  });

  test('parts stop starting once time is short, but never before the first, so hand-overs end', () => {
    const asked: number[] = [];
    const short = () => (asked.push(1), true);
    expect(stopsStarting(0, short)).toBe(false);
    expect(asked).toHaveLength(0);
    expect(stopsStarting(1, short)).toBe(true);
    expect(stopsStarting(5, () => false)).toBe(false);
    expect(stopsStarting(5, undefined)).toBe(false);
  });
});
