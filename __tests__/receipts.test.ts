import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { receiptOf } from '../functions/exporter/receipt';
import { ExportLog } from '../functions/exporter/log';
import { loadConfig } from '../functions/exporter/config';
import { REQUIRED_ENV } from './exporter/helpers/config-env';
import { RECEIPT_FIELDS, RECEIPT_SCHEMA_FILE, receiptKey, receiptSchema, type Receipt } from '../naming';

/** The receipt layout as values: its schema, its key, and a receipt as the exporter builds it. */

const committed = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, RECEIPT_SCHEMA_FILE), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: true }).compile(committed);

const config = loadConfig(REQUIRED_ENV);

function moved(): Receipt {
  const log = new ExportLog(config, () => undefined, {
    bucket: 'mojap-hub-exports',
    key: 'proj/reports/march.csv',
    versionId: 'v1',
    size: 42,
    lastModified: new Date('2026-03-31T23:59:59Z'),
    checksum: { algorithm: 'CRC64NVME', value: 'AAAAAAAAAAA=', fullObject: true },
  });
  log.sequencer = '0055AB';
  const delivery = { verifiedBy: 'checksum' as const, etag: 'e1', versionId: 't1' };
  return receiptOf(
    { config, requestId: 'req-1' },
    log,
    { outcome: 'moved', delivery },
    new Date('2026-04-01T00:00:02Z'),
  );
}

test(`${RECEIPT_SCHEMA_FILE} is what naming/receipts.ts generates (npm run schemas)`, () => {
  expect(committed).toEqual(receiptSchema());
});

test('a receipt as the exporter builds it has every field of the layout, in its order, and is valid', () => {
  const r = moved();
  expect(Object.keys(r)).toEqual(RECEIPT_FIELDS.map((f) => f.name));
  expect(validate(r)).toBe(true);
  expect(r).toMatchObject({
    dataset: 'proj',
    // The day of the upload, not of the export: one file's receipts stay together.
    day: '2026-03-31',
    verified_by: 'checksum',
    checksum_algorithm: 'CRC64NVME',
    target_account: '012345678901',
    target_version: 't1',
    paperwork: 'DPIA-2026-041',
    request_id: 'req-1',
  });
});

test.each([
  ['an unknown outcome', { outcome: 'lost' }],
  ['a missing field', { paperwork: undefined }],
  ['a field the layout does not have', { extra: 1 }],
  ['a size that is not a whole number', { bytes: 1.5 }],
  ['no format', { format: 'hub-exports/receipt/0' }],
])('the schema refuses %s', (_, change) => {
  expect(validate(JSON.parse(JSON.stringify({ ...moved(), ...change })))).toBe(false);
});

describe('receiptKey', () => {
  const at = { dataset: 'proj', day: '2026-12-02', sequencer: '0055AB' };

  test('one flat listing per day: the path after the dataset, encoded, then the sequencer', () => {
    expect(receiptKey({ ...at, key: 'proj/reports/march 2026.csv' })).toBe(
      'export-receipts/proj/2026-12-02/reports%2Fmarch%202026.csv@0055AB.json',
    );
  });

  test('a failed attempt has its own key; a key outside the prefix is kept whole; no sequencer is said', () => {
    expect(receiptKey({ ...at, key: 'proj/a.csv', failedAttempt: 'req-9' })).toBe(
      'export-receipts/proj/2026-12-02/a.csv@0055AB.failed-req-9.json',
    );
    expect(receiptKey({ ...at, key: 'proj_2/a.csv' })).toBe(
      'export-receipts/proj/2026-12-02/proj_2%2Fa.csv@0055AB.json',
    );
    expect(receiptKey({ ...at, key: 'proj/a.csv', sequencer: null })).toMatch(/a\.csv@none\.json$/);
  });

  test('a leading dot or underscore, which Athena would skip as hidden, is encoded', () => {
    expect(receiptKey({ ...at, key: 'proj/.hidden' })).toMatch(/\/2026-12-02\/%2Ehidden@/);
    expect(receiptKey({ ...at, key: 'proj/_tmp/x' })).toMatch(/\/2026-12-02\/%5Ftmp%2Fx@/);
  });

  test('a key too long for S3 fits in 1,024 bytes, and two such keys stay apart', () => {
    const long = (end: string) => `proj/${'ü/'.repeat(300)}${end}`;
    const a = receiptKey({ ...at, key: long('a.csv') });
    const b = receiptKey({ ...at, key: long('b.csv') });
    for (const k of [a, b]) {
      expect(Buffer.byteLength(k)).toBeLessThanOrEqual(1024);
      // The start kept, never cut inside a %XX escape, then the hash of the whole name.
      expect(k).toMatch(/^export-receipts\/proj\/2026-12-02\/%C3%BC%2F(%[0-9A-F]{2})+~[0-9a-f]{32}@0055AB\.json$/);
    }
    expect(a).not.toBe(b);
  });
});
