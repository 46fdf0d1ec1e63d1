import { loadDatasets } from '../config';
import {
  AUDIT_TABLE_NAME,
  DEFAULT_SETTINGS,
  RECEIPT_FIELDS,
  RECEIPT_FORMAT,
  RECEIPTS_ROOT,
  auditDatabaseName,
  auditResultsBucketName,
  auditWorkgroupName,
  dayOf,
  exporterName,
  pullBucketName,
  receiptKey,
  type Receipt,
} from '../naming';
import {
  AUDIT_BYTES_SCANNED_CUTOFF,
  AUDIT_FIRST_DAY,
  AUDIT_RESULTS_DAYS,
  RECEIPT_STORAGE,
  auditTableParameters,
  partitionProjection,
  receiptColumns,
  receiptPartitionKeys,
  receiptsLocationTemplate,
} from '../stacks/audit-table';
import { FIXTURE_DATASETS, only, resources, synthesize, target } from './helpers/synth';

const s = DEFAULT_SETTINGS;

/** A complete receipt: typed as `Receipt`, so the compiler holds it to every field of RECEIPT_FIELDS. */
const sample: Receipt = {
  format: RECEIPT_FORMAT,
  dataset: 'hmpps_probation_outcomes',
  day: '2026-03-14',
  outcome: 'moved',
  bucket: s.exportBucket,
  key: 'hmpps_probation_outcomes/2026/03/outcomes.csv',
  version: '3HL4kqtJlcpXroDTDmJ',
  sequencer: '0055AED6DCD90281E5',
  bytes: 1048576,
  uploaded_at: '2026-03-14T23:59:58.000Z',
  verified_by: 'checksum',
  checksum_algorithm: 'CRC64NVME',
  checksum: 'AAAAAAAAAAA=',
  target_bucket: 'northtown-uni-research-landing',
  target_account: '210987654321',
  target_key: 'hmpps_probation_outcomes/2026/03/outcomes.csv',
  target_version: null,
  target_etag: '"9b2cf535f27731c974343645a3985328"',
  strategy: 'copy-object',
  parts: 1,
  started_at: '2026-03-15T00:00:01.000Z',
  ended_at: '2026-03-15T00:00:02.500Z',
  duration_ms: 1500,
  error: null,
  paperwork: 'DPIA-2026-041',
  request_id: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
};

/** Athena's expansion of the location template for one partition. */
const expand = (template: string, values: Record<string, string>) =>
  template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? fail(`no value for \${${name}}`));
const fail = (message: string): never => {
  throw new Error(message);
};

describe('the audit table and the receipt layout come from one definition', () => {
  test('columns then partition keys are RECEIPT_FIELDS: names, order and types', () => {
    const nonPartition = RECEIPT_FIELDS.filter((f) => !('partition' in f && f.partition));
    expect(receiptColumns().map((c) => [c.name, c.type])).toEqual(nonPartition.map((f) => [f.name, f.type]));
    expect(receiptPartitionKeys().map((c) => [c.name, c.type])).toEqual([
      ['dataset', 'string'],
      ['day', 'string'],
    ]);
    const all = [...receiptColumns(), ...receiptPartitionKeys()].map((c) => c.name).sort();
    expect(all).toEqual(RECEIPT_FIELDS.map((f) => f.name).sort());
  });

  test("a receipt's JSON keys are exactly the columns and the partition keys", () => {
    const keys = Object.keys(JSON.parse(JSON.stringify(sample)) as object).sort();
    expect(keys).toEqual([...receiptColumns(), ...receiptPartitionKeys()].map((c) => c.name).sort());
  });

  test('every column comment is its description, or fits Glue with the allowed values first', () => {
    for (const c of [...receiptColumns(), ...receiptPartitionKeys()]) {
      const f = RECEIPT_FIELDS.find((x) => x.name === c.name)!;
      expect(Buffer.byteLength(c.comment)).toBeLessThanOrEqual(255);
      if (Buffer.byteLength(f.description) <= 255) expect(c.comment).toBe(f.description);
      else if ('values' in f) expect(c.comment).toMatch(new RegExp(`^One of ${f.values.join(', ')}\\. .*\\.\\.\\.$`));
    }
    // The one description too long today: its values must all survive the cut.
    expect(receiptColumns().find((c) => c.name === 'outcome')!.comment).toContain('refused, failed.');
  });
});

describe('the path layout and the partition projection agree', () => {
  const template = receiptsLocationTemplate(s);

  test('the template is the receipts root of the export bucket, then ${dataset}, then ${day}', () => {
    expect(template).toBe(`s3://${s.exportBucket}/${RECEIPTS_ROOT}\${dataset}/\${day}/`);
    expect(auditTableParameters(s)['storage.location.template']).toBe(template);
  });

  test.each([
    ['an upload', {}],
    ['a failed attempt', { failedAttempt: '2' }],
    ['a key too long for S3', { key: `hmpps_probation_outcomes/${'deep/'.repeat(300)}x.csv` }],
    ['a hidden-looking file', { key: 'hmpps_probation_outcomes/.partial' }],
  ])("for %s, the expanded template is the prefix of the receipt's key, with nothing nested below it", (_, extra) => {
    const key = receiptKey({
      dataset: sample.dataset,
      day: sample.day,
      key: sample.key,
      sequencer: sample.sequencer,
      ...extra,
    });
    const partition = expand(template, { dataset: sample.dataset, day: sample.day });
    const url = `s3://${s.exportBucket}/${key}`;
    expect(url.startsWith(partition)).toBe(true);
    expect(url.slice(partition.length)).not.toContain('/');
  });

  test("the day partition's format is the one dayOf writes", () => {
    expect(dayOf(new Date(sample.uploaded_at!))).toBe(sample.day);
    const day = partitionProjection().day;
    expect(day.format).toBe('yyyy-MM-dd');
    expect(dayOf(new Date('2026-12-31T23:59:59.999Z'))).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('dataset is injected (no dataset is listed), day a date range from a fixed start to NOW, one a day', () => {
    const p = auditTableParameters(s);
    expect(p).toMatchObject({
      'projection.enabled': 'true',
      'projection.dataset.type': 'injected',
      'projection.day.type': 'date',
      'projection.day.format': 'yyyy-MM-dd',
      'projection.day.range': `${AUDIT_FIRST_DAY},NOW`,
      'projection.day.interval': '1',
      'projection.day.interval.unit': 'DAYS',
    });
    // Every partition key is projected, and nothing else is.
    expect(Object.keys(partitionProjection())).toEqual(receiptPartitionKeys().map((k) => k.name));
    expect(Object.keys(p).filter((k) => /^projection\.[^.]+\.values$/.test(k))).toEqual([]);
  });
});

describe("the exporter stack's audit table", () => {
  const { stacks, text } = synthesize();
  const exporter = stacks['exporter'];

  test('a Glue database and the receipts table, external JSON over the receipts root', () => {
    const table = only(exporter, 'aws_glue_catalog_table');
    expect(target(exporter, table.database_name)).toMatchObject({ name: auditDatabaseName(s) });
    expect(auditDatabaseName(s)).toBe('mojap_hub_exports_audit');
    expect(table).toMatchObject({
      name: AUDIT_TABLE_NAME,
      table_type: 'EXTERNAL_TABLE',
      partition_keys: receiptPartitionKeys(),
      storage_descriptor: {
        location: `s3://${s.exportBucket}/${RECEIPTS_ROOT}`,
        input_format: RECEIPT_STORAGE.inputFormat,
        output_format: RECEIPT_STORAGE.outputFormat,
        ser_de_info: { serialization_library: 'org.openx.data.jsonserde.JsonSerDe' },
        columns: receiptColumns(),
      },
    });
    // Terraform unescapes $${…} to the ${…} Athena reads: what Glue gets is the pure function's value.
    const parameters = table.parameters as Record<string, string>;
    expect(parameters['storage.location.template']).toContain('$${dataset}/$${day}/');
    const unescaped = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, v.replace(/\$\$\{/g, '${')]));
    expect(unescaped).toEqual(auditTableParameters(s));
  });

  test('the workgroup enforces SSE-S3 encrypted results in the results bucket, which expires them', () => {
    const workgroup = only(exporter, 'aws_athena_workgroup');
    expect(workgroup).toMatchObject({
      name: auditWorkgroupName(s),
      configuration: {
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
        bytes_scanned_cutoff_per_query: AUDIT_BYTES_SCANNED_CUTOFF,
        result_configuration: {
          output_location: `s3://${auditResultsBucketName(s)}/`,
          expected_bucket_owner: s.account,
          encryption_configuration: { encryption_option: 'SSE_S3' },
        },
      },
    });
    const [bucketId] = Object.entries(resources(exporter, 'aws_s3_bucket')).find(
      ([, b]) => b.bucket === auditResultsBucketName(s),
    )!;
    const lifecycle = Object.values(resources(exporter, 'aws_s3_bucket_lifecycle_configuration')).find(
      (l) => l.bucket === `\${aws_s3_bucket.${bucketId}.id}`,
    )!;
    expect(lifecycle.rule).toEqual(
      expect.arrayContaining([expect.objectContaining({ expiration: [{ days: AUDIT_RESULTS_DAYS }] })]),
    );
  });

  test('keeps its Terraform addresses at fixed ids', () => {
    expect(Object.keys(resources(exporter, 'aws_glue_catalog_database'))).toEqual(['audit-database']);
    expect(Object.keys(resources(exporter, 'aws_glue_catalog_table'))).toEqual(['audit-table']);
    expect(Object.keys(resources(exporter, 'aws_athena_workgroup'))).toEqual(['audit-workgroup']);
  });

  test('nothing in the exporter stack names a fixture dataset; no other stack has audit resources', () => {
    const { datasets } = loadDatasets([FIXTURE_DATASETS], { settings: s });
    const names = [...datasets.push, ...datasets.pull].map((d) => d.name);
    expect(names.length).toBeGreaterThan(0);
    const derived = [
      ...names,
      ...datasets.push.map((d) => exporterName(d.name)),
      ...datasets.pull.map((d) => pullBucketName(s, d.name)),
    ];
    // As a whole word of dataset-name characters: `projection.…` does not name the dataset `proj`.
    for (const name of derived) {
      const word = name.replace(/[.]/g, '\\.');
      expect(text.exporter).not.toMatch(new RegExp(`(?<![a-z0-9_.-])${word}(?![a-z0-9_.-])`));
    }
    for (const id of Object.keys(text).filter((k) => k !== 'exporter'))
      expect(text[id]).not.toMatch(/aws_glue_catalog|aws_athena/);
  });
});
