import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database';
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table';
import {
  AUDIT_TABLE_NAME,
  RECEIPT_FIELDS,
  RECEIPTS_ROOT,
  auditDatabaseName,
  auditResultsBucketName,
  auditWorkgroupName,
  receiptPrefix,
  type PlatformSettings,
  type ReceiptField,
} from '../naming';
import { keepAddress } from './addresses';
import { auditResultsBucketPolicy } from './bucket-policies';
import { SecureBucket, type SecureBucketProps } from './secure-bucket';

/** Query results hold receipts' contents (key names among them): kept only long enough to download. */
export const AUDIT_RESULTS_DAYS = 7;
/** Receipts are about 1 KB each: 10 GiB is millions of them, far beyond an honest question's size. */
export const AUDIT_BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;
/** No receipt is older than the exporter that writes them. */
export const AUDIT_FIRST_DAY = '2026-01-01';

export interface AuditTableProps {
  readonly settings: PlatformSettings;
  /** The results bucket's lifecycle, as every bucket's (it is unversioned: noncurrentVersionDays is unused). */
  readonly lifecycle: Pick<SecureBucketProps, 'abortIncompleteUploadDays' | 'noncurrentVersionDays'>;
  /**
   * Days a query's results are kept in the results bucket.
   * @default AUDIT_RESULTS_DAYS (7)
   */
  readonly resultsDays?: number;
  /**
   * Bytes one query may scan before Athena cancels it (at least 10 MB).
   * @default AUDIT_BYTES_SCANNED_CUTOFF (10 GiB)
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * The first day (yyyy-MM-dd) the `day` partition projects.
   * @default AUDIT_FIRST_DAY (2026-01-01)
   */
  readonly firstDay?: string;
}

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

/**
 * A field's description as a column comment. Glue refuses comments over 255 characters (Terraform counts bytes), so
 * a longer one ends at a word, after the allowed values (which would otherwise be cut off); the whole text is in
 * schemas/receipt.schema.json.
 */
const MAX_COMMENT_BYTES = 255;
export function columnComment(f: ReceiptField): string {
  if (Buffer.byteLength(f.description) <= MAX_COMMENT_BYTES) return f.description;
  let cut = f.values ? `One of ${f.values.join(', ')}. ${f.description}` : f.description;
  while (Buffer.byteLength(cut) > MAX_COMMENT_BYTES - 3) cut = cut.slice(0, -1);
  return `${cut.replace(/\s+\S*$/, '')}...`;
}

const column = (f: ReceiptField): GlueColumn => ({ name: f.name, type: f.type, comment: columnComment(f) });
const fields = RECEIPT_FIELDS as readonly ReceiptField[];

/** The table's columns: every receipt field not taken from the path, in the receipt's order. */
export const receiptColumns = (): GlueColumn[] => fields.filter((f) => !f.partition).map(column);
/** The partition keys, in the order the receipt's path nests them (dataset, then day). */
export const receiptPartitionKeys = (): GlueColumn[] => fields.filter((f) => f.partition).map(column);

/**
 * How Athena finds each partition without a crawler or stored partitions. `dataset` is injected: the query names
 * it, so the exporter stack never lists a dataset and adding one changes nothing here. `day` is a date range.
 */
export function partitionProjection(firstDay = AUDIT_FIRST_DAY): Record<string, Record<string, string>> {
  return {
    dataset: { type: 'injected' },
    day: { type: 'date', format: 'yyyy-MM-dd', range: `${firstDay},NOW`, interval: '1', 'interval.unit': 'DAYS' },
  };
}

/** Where the receipts of one partition are; `${…}` are Athena's placeholders, filled from the query. */
export const receiptsLocationTemplate = (s: PlatformSettings): string =>
  `s3://${s.exportBucket}/${receiptPrefix('${dataset}')}\${day}/`;

/** The table's parameters as Glue holds them (Athena's words, unescaped for Terraform). Pure, for the tests. */
export function auditTableParameters(s: PlatformSettings, firstDay = AUDIT_FIRST_DAY): Record<string, string> {
  const projection = partitionProjection(firstDay);
  const missing = receiptPartitionKeys().filter((k) => !projection[k.name]);
  if (missing.length > 0) throw new Error(`no partition projection for ${missing.map((k) => k.name).join(', ')}`);
  const projected = Object.entries(projection).flatMap(([name, p]) =>
    Object.entries(p).map(([k, v]) => [`projection.${name}.${k}`, v]),
  );
  return {
    EXTERNAL: 'TRUE',
    classification: 'json',
    'projection.enabled': 'true',
    ...Object.fromEntries(projected),
    'storage.location.template': receiptsLocationTemplate(s),
  };
}

/** One JSON object per line, read by the OpenX SerDe Athena documents for JSON. */
export const RECEIPT_STORAGE = {
  inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
} as const;

/** Terraform would read `${dataset}` as its own interpolation: each value goes through rawString, which escapes it. */
const forTerraform = (parameters: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, Fn.rawString(v)]));

/**
 * The audit table: a Glue database and table over the receipts the exporters write into the export bucket
 * (naming/receipts.ts), partitioned by dataset and day with partition projection, and the Athena workgroup to query
 * it, whose results go encrypted to a bucket of their own and expire. docs/audit.md says how to query it.
 */
export class AuditTable extends Construct {
  readonly database: GlueCatalogDatabase;
  readonly table: GlueCatalogTable;
  readonly workgroup: AthenaWorkgroup;
  readonly resultsBucket: SecureBucket;

  constructor(scope: Construct, id: string, props: AuditTableProps) {
    super(scope, id);
    const s = props.settings;
    // At fixed ids (aws_glue_catalog_table.audit-table, …), not paths with a hash: see stacks/addresses.ts.
    this.database = keepAddress(
      new GlueCatalogDatabase(this, 'audit-database', {
        name: auditDatabaseName(s),
        description: `Receipts of hub-exports exports from ${s.exportBucket} (docs/audit.md)`,
      }),
    );
    this.table = keepAddress(
      new GlueCatalogTable(this, 'audit-table', {
        databaseName: this.database.name,
        name: AUDIT_TABLE_NAME,
        description: 'One row per receipt (naming/receipts.ts); every query must name its dataset(s)',
        tableType: 'EXTERNAL_TABLE',
        parameters: forTerraform(auditTableParameters(s, props.firstDay)),
        partitionKeys: receiptPartitionKeys(),
        storageDescriptor: {
          location: `s3://${s.exportBucket}/${RECEIPTS_ROOT}`,
          inputFormat: RECEIPT_STORAGE.inputFormat,
          outputFormat: RECEIPT_STORAGE.outputFormat,
          serDeInfo: { serializationLibrary: RECEIPT_STORAGE.serializationLibrary },
          columns: receiptColumns(),
        },
      }),
    );
    this.resultsBucket = new SecureBucket(this, 'results-bucket', {
      name: auditResultsBucketName(s),
      policy: auditResultsBucketPolicy(s),
      versioned: false,
      ...props.lifecycle,
      expireObjectsDays: props.resultsDays ?? AUDIT_RESULTS_DAYS,
    });
    this.workgroup = keepAddress(
      new AthenaWorkgroup(this, 'audit-workgroup', {
        name: auditWorkgroupName(s),
        description: `Queries of ${AUDIT_TABLE_NAME} in ${auditDatabaseName(s)} (docs/audit.md)`,
        configuration: {
          // Enforced: a client's own output location or encryption setting cannot send results elsewhere.
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? AUDIT_BYTES_SCANNED_CUTOFF,
          resultConfiguration: {
            outputLocation: `s3://${auditResultsBucketName(s)}/`,
            // Bucket names are reusable once deleted: results go only to a bucket this account owns.
            expectedBucketOwner: s.account,
            encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          },
        },
      }),
    );
  }
}
