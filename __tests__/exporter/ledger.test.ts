import {
  commit,
  compareSequencers,
  defer,
  EMPTY_RECORD,
  enter,
  forget,
  orphans,
  release,
  type Claim,
  type KeyRecord,
} from '../../functions/exporter/ledger';

const TTL = 1000;
const NOW = 1_000_000;
const v = (sequencer: string, versionId = `v${sequencer}`) => ({ sequencer, versionId });
const me = (sequencer: string, id = `c${sequencer}`) => ({ ...v(sequencer), id });
const claim = (sequencer: string, extra: Partial<Claim> = {}): Claim => ({
  ...me(sequencer),
  since: NOW - 10,
  beat: NOW - 10,
  ...extra,
});
const record = (r: Partial<KeyRecord>): KeyRecord => ({ ...EMPTY_RECORD, ...r });

describe('compareSequencers: S3 documents right-padding the shorter with zeros, then comparing as text', () => {
  test.each([
    ['0055AED6DCD90281E5', '0055AED6DCD90281E6', -1],
    ['0055AED6DCD9028', '0055AED6DCD90281E5', -1], // padded: 0055AED6DCD902800 < …81E5
    ['0055AED6DCD903', '0055AED6DCD90281E5', 1], // padded: 0055AED6DCD9030000 > …0281E5
    ['00617f08', '00617F08', 0],
    ['0A', '0A0', 0],
  ])('%s vs %s', (a, b, expected) => {
    expect(Math.sign(compareSequencers(a, b))).toBe(expected);
    expect(Math.sign(compareSequencers(b, a))).toBe(expected === 0 ? 0 : -expected);
  });
});

describe('enter', () => {
  test('a new key: the claim goes in; with the write it also records the last write', () => {
    const d = enter(EMPTY_RECORD, me('0A'), NOW, TTL, true);
    expect(d.result).toBe('go');
    expect(d.record?.claims).toEqual([{ ...me('0A'), since: NOW, beat: NOW, writing: true }]);
    expect(d.record?.lastWrite).toEqual(v('0A'));
  });

  test('older than the delivered upload: superseded; the delivered one itself: delivered; nothing written', () => {
    const r = record({ delivered: v('0B') });
    expect(enter(r, me('0A'), NOW, TTL, false)).toMatchObject({ result: 'superseded', record: undefined });
    expect(enter(r, me('0B'), NOW, TTL, false)).toMatchObject({ result: 'delivered', record: undefined });
    expect(enter(r, me('0C'), NOW, TTL, false).result).toBe('go');
  });

  test('another version with the delivered sequencer: a conflict, never taken for delivered (it would be deleted)', () => {
    const r = record({ delivered: v('0B', 'vX') });
    expect(enter(r, me('0B'), NOW, TTL, false).result).toBe('conflict');
  });

  test('another claim holds the write: wait to write, but parts may start', () => {
    const r = record({ claims: [claim('0A', { writing: true })] });
    expect(enter(r, me('0B'), NOW, TTL, true).result).toBe('wait');
    expect(enter(r, me('0B'), NOW, TTL, false).result).toBe('go');
  });

  test('a claim silent for longer than its time to live is dropped (its upload to abort), and the write is free', () => {
    const dead = claim('0A', { writing: true, beat: NOW - TTL - 1, uploadId: 'u1' });
    const d = enter(record({ claims: [dead] }), me('0B'), NOW, TTL, true);
    expect(d.result).toBe('go');
    expect(d.dropped).toEqual([dead]);
    expect(d.record?.claims.map((c) => c.id)).toEqual(['c0B']);
  });

  test('a handed-over claim lives without beats until it is held; re-entering clears the hold', () => {
    const held = claim('0A', { beat: NOW - 10 * TTL, heldUntil: NOW + 1 });
    const other = enter(record({ claims: [held] }), me('0B'), NOW, TTL, false);
    expect(other.dropped).toEqual([]);
    const again = enter(record({ claims: [held] }), me('0A'), NOW, TTL, false);
    expect(again.record?.claims).toEqual([{ ...me('0A'), since: NOW - 10, beat: NOW }]);
  });
});

describe('defer, commit, forget, release', () => {
  test('a superseded version waits for a newer delivery, unless one was delivered already', () => {
    expect(defer(record({ delivered: v('0B') }), v('0A'))).toEqual({ result: 'delete' });
    const d = defer(EMPTY_RECORD, v('0A'));
    expect(d).toMatchObject({ result: 'deferred', record: { waiting: [v('0A')] } });
    expect(defer(d.record!, v('0A'))).toEqual({ result: 'deferred' }); // already waiting: nothing to write
  });

  test('commit: delivered, the claim and same-version idle claims end, older waiting versions are returned', () => {
    const r = record({
      claims: [claim('0B'), claim('0B', { id: 'dup' }), claim('0B', { id: 'writer', writing: true }), claim('0C')],
      waiting: [v('0A'), v('0D')],
    });
    const d = commit(r, me('0B'), 'etag-b');
    expect(d.result).toEqual([v('0A')]);
    expect(d.record?.delivered).toEqual({ ...v('0B'), targetEtag: 'etag-b' });
    expect(d.record?.claims.map((c) => c.id)).toEqual(['writer', 'c0C']);
    expect(d.dropped?.map((c) => c.id)).toEqual(['dup']);
    // Kept until deleted, so that a commit run again after a lost answer still finds them.
    expect(d.record?.waiting).toEqual([v('0A'), v('0D')]);
    expect(forget(d.record!, [v('0A')]).record?.waiting).toEqual([v('0D')]);
    // The delivery names its receipt, the record of it for people.
    const receipt = 'export-receipts/proj/2026-12-02/a.csv@0B.json';
    expect(commit(r, me('0B'), 'etag-b', receipt).record?.delivered).toEqual({
      ...v('0B'),
      targetEtag: 'etag-b',
      receipt,
    });
  });

  test('release ends the claim; releasing one that is gone writes nothing', () => {
    expect(release(record({ claims: [claim('0A')] }), 'c0A').record?.claims).toEqual([]);
    expect(release(EMPTY_RECORD, 'c0A').record).toBeUndefined();
  });
});

describe('orphans: uploads at the key nobody alive will complete', () => {
  const at = (ms: number) => new Date(ms);
  test("a live claim's upload is not one; a dead claim's is", () => {
    const r = record({
      claims: [claim('0A', { uploadId: 'live' }), claim('0B', { uploadId: 'dead', beat: NOW - 2 * TTL })],
    });
    const open = [
      { uploadId: 'live', initiated: at(NOW - 50) },
      { uploadId: 'dead', initiated: at(NOW - 50) },
    ];
    expect(orphans(open, r, NOW, TTL, 100).map((u) => u.uploadId)).toEqual(['dead']);
  });

  test("an upload begun after a live claim that has not recorded its own yet may be that claim's: kept", () => {
    const r = record({ claims: [claim('0A', { since: NOW - 500 })] });
    const open = [
      { uploadId: 'before', initiated: at(NOW - 700) },
      { uploadId: 'after', initiated: at(NOW - 450) },
    ];
    expect(orphans(open, r, NOW, TTL, 100).map((u) => u.uploadId)).toEqual(['before']);
  });
});
