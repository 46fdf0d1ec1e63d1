import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import { EXPORT_METRICS, EXPORTS_DASHBOARD_NAME, METRIC_DIMENSION, METRIC_NAMESPACE } from '../naming';
import { keepAddress } from './addresses';

export interface ExportsDashboardProps {
  /** The region whose metrics the graphs show (the platform's). */
  readonly region: string;
  /**
   * Seconds each point of a graph sums or averages.
   * @default 300
   */
  readonly periodSeconds?: number;
}

/** One graph: a search for every series it finds, so no dataset is named and a new one appears by itself. */
function searchWidget(title: string, search: string, statistic: string, region: string, period: number, y: number) {
  const expression = `SEARCH('${search}', '${statistic}', ${period})`;
  return {
    type: 'metric',
    x: (y % 2) * 12,
    y: Math.floor(y / 2) * 6,
    width: 12,
    height: 6,
    properties: {
      title,
      region,
      view: 'timeSeries',
      stat: statistic,
      period,
      metrics: [[{ expression, id: `e${y}` }]],
    },
  };
}

/**
 * The dashboard body: each export metric per dataset (naming/metrics.ts), and the depth of every exporter's
 * dead-letter queue (their names end in `-failed`: naming's deadLetterQueueName). Pure, so tests read it as a value.
 */
export function exportsDashboardBody(region: string, period = 300): { widgets: object[] } {
  const metrics = EXPORT_METRICS.map((m, i) =>
    searchWidget(
      m.title,
      `{${METRIC_NAMESPACE},${METRIC_DIMENSION}} MetricName="${m.name}"`,
      m.statistic,
      region,
      period,
      i,
    ),
  );
  const queues = searchWidget(
    'Failed exports waiting in dead-letter queues',
    '{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" QueueName=failed',
    'Maximum',
    region,
    period,
    metrics.length,
  );
  return { widgets: [...metrics, queues] };
}

/**
 * A CloudWatch dashboard of every push dataset's exports, by metric search expressions (which cannot be tested
 * here: no CloudWatch runs on this machine; the body's structure and the metrics it names are).
 */
export class ExportsDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: ExportsDashboardProps) {
    super(scope, id);
    // At the construct's id (aws_cloudwatch_dashboard.exports-dashboard), not a path with a hash.
    this.dashboard = keepAddress(
      new CloudwatchDashboard(this, id, {
        dashboardName: EXPORTS_DASHBOARD_NAME,
        dashboardBody: JSON.stringify(exportsDashboardBody(props.region, props.periodSeconds)),
      }),
    );
  }
}
