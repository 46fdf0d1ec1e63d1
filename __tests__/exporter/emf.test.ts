import { EXPORT_METRICS, METRIC_NAMESPACE } from '../../naming';
import { metricMembers, type ObjectLog } from '../../functions/exporter/log';
import { emfProblems } from './helpers/emf';

const line = (outcome: ObjectLog['outcome'], bytes: number | null = 2048) =>
  ({ dataset: 'proj', outcome, bytes, duration_ms: 1234 }) as const;

describe("the final line's metrics (CloudWatch Embedded Metric Format)", () => {
  test('are a valid EMF document in namespace HubExports, one dimension Dataset, every metric of naming/metrics.ts', () => {
    const m = metricMembers(line('moved'), 1_764_000_000_000);
    expect(emfProblems({ ...m })).toEqual([]);
    expect(m._aws).toEqual({
      Timestamp: 1_764_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['Dataset']],
          Metrics: EXPORT_METRICS.map((x) => ({ Name: x.name, Unit: x.unit })),
        },
      ],
    });
    expect(m).toMatchObject({ Dataset: 'proj', ObjectsExported: 1, BytesExported: 2048, Failures: 0, Duration: 1234 });
  });

  test.each([
    ['moved', 1, 2048, 0],
    ['copied', 1, 2048, 0],
    ['failed', 0, 0, 1],
    ['already_there', 0, 0, 0],
    ['superseded', 0, 0, 0],
    ['handed_over', 0, 0, 0],
    ['refused', 0, 0, 0],
  ] as const)('%s counts %d delivered, %d bytes, %d failures', (outcome, objects, bytes, failures) => {
    const m = metricMembers(line(outcome));
    expect([m.ObjectsExported, m.BytesExported, m.Failures]).toEqual([objects, bytes, failures]);
    expect(emfProblems({ ...m })).toEqual([]);
  });

  test('the checker catches what CloudWatch would refuse or ignore', () => {
    const m = { ...metricMembers(line('moved')) } as Record<string, unknown>;
    expect(emfProblems({ ...m, Dataset: undefined })).toEqual(['dimension Dataset is not a string member of the root']);
    expect(emfProblems({ ...m, BytesExported: '2048' })).toEqual([
      'metric BytesExported is not a number (or up to 100 numbers) at the root',
    ]);
    const badUnit = {
      ...(m._aws as object),
      CloudWatchMetrics: [
        { Namespace: 'HubExports', Dimensions: [['Dataset']], Metrics: [{ Name: 'Duration', Unit: 'ms' }] },
      ],
    };
    expect(emfProblems({ ...m, _aws: badUnit })).not.toEqual([]);
    expect(emfProblems({ ...m, _aws: { CloudWatchMetrics: [] } })).not.toEqual([]);
  });
});
