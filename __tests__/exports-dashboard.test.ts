import { EXPORT_METRICS, METRIC_NAMESPACE, deadLetterQueueName } from '../naming';
import { exportsDashboardBody } from '../stacks/exports-dashboard';
import { synthesize } from './helpers/synth';

type Widget = { properties: { title: string; stat: string; metrics: [{ expression: string }][] } };

const expressions = (body: { widgets: object[] }) =>
  (body.widgets as Widget[]).map((w) => w.properties.metrics[0][0].expression);

describe("the exporter stack's dashboard", () => {
  test('graphs every export metric per dataset, and the dead-letter queues, by search: no dataset is named', () => {
    const found = expressions(exportsDashboardBody('eu-west-2'));
    expect(found).toEqual([
      ...EXPORT_METRICS.map(
        (m) => `SEARCH('{${METRIC_NAMESPACE},Dataset} MetricName="${m.name}"', '${m.statistic}', 300)`,
      ),
      `SEARCH('{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" QueueName=failed', 'Maximum', 300)`,
    ]);
    // The queue search's term is the last word of every exporter's dead-letter queue name.
    expect(deadLetterQueueName('proj').split('-').pop()).toBe('failed');
  });

  test('lays the graphs out two by two without overlap', () => {
    const cells = (exportsDashboardBody('eu-west-2').widgets as { x: number; y: number }[]).map((w) => `${w.x},${w.y}`);
    expect(new Set(cells).size).toBe(cells.length);
  });

  test('is in the exporter stack only, with the body above', () => {
    const { text } = synthesize();
    const exporter = JSON.parse(text.exporter) as {
      resource: Record<string, Record<string, { dashboard_body: string; dashboard_name: string }>>;
    };
    const dashboard = exporter.resource.aws_cloudwatch_dashboard['exports-dashboard'];
    expect(dashboard.dashboard_name).toBe('hub-exports');
    const body = JSON.parse(dashboard.dashboard_body) as { widgets: object[] };
    expect(body).toEqual(exportsDashboardBody(JSON.parse(dashboard.dashboard_body).widgets[0].properties.region));
    for (const id of Object.keys(text).filter((k) => k !== 'exporter'))
      expect(text[id]).not.toContain('aws_cloudwatch_dashboard');
  });
});
