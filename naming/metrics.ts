/**
 * The exporter's metrics, in one place: the exporter writes them into its final log line of each object as
 * CloudWatch Embedded Metric Format (functions/exporter/log.ts), and the exporter stack's dashboard finds them by
 * search (stacks/exports-dashboard.ts), so adding a dataset never changes that stack.
 */

export const METRIC_NAMESPACE = 'HubExports';
/** The exporter stack's dashboard of every dataset's exports. */
export const EXPORTS_DASHBOARD_NAME = 'hub-exports';
/** The one dimension: the dataset's name, so each dataset is one line on every graph. */
export const METRIC_DIMENSION = 'Dataset';

export interface ExportMetric {
  readonly name: 'ObjectsExported' | 'BytesExported' | 'Failures' | 'Duration';
  /** A unit EMF accepts (CloudWatch's StandardUnit). */
  readonly unit: 'Count' | 'Bytes' | 'Milliseconds';
  /** How the dashboard aggregates it over a period. */
  readonly statistic: 'Sum' | 'Average';
  /** What one line counts, as the dashboard's graph says it. */
  readonly title: string;
}

export const EXPORT_METRICS: readonly ExportMetric[] = Object.freeze([
  { name: 'ObjectsExported', unit: 'Count', statistic: 'Sum', title: 'Files delivered (moved or copied)' },
  { name: 'BytesExported', unit: 'Bytes', statistic: 'Sum', title: 'Bytes delivered' },
  { name: 'Failures', unit: 'Count', statistic: 'Sum', title: 'Failed attempts (each retry counts)' },
  { name: 'Duration', unit: 'Milliseconds', statistic: 'Average', title: 'Time per file and invocation (ms)' },
]);
