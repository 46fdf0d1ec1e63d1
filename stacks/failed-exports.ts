import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { alarmTopicArn, deadLetterQueueName, exporterName, type PlatformSettings, toJson } from '../naming';
import { keepAddress } from './addresses';
import { deadLetterQueuePolicy } from './policies';

export interface FailedExportsProps {
  readonly settings: PlatformSettings;
  readonly dataset: string;
  /**
   * How long a failed export's event waits in the queue to be run again.
   * @default 14 days (SQS's maximum)
   */
  readonly retentionSeconds?: number;
}

/**
 * Where a push dataset's failed exports end up, and who hears of it: the dead-letter queue (for Lambda's
 * on-failure destination and EventBridge's undeliverable events) and an alarm to the alarm topic while events wait
 * in it. (The function's own errors alarm is the exporter function's.)
 */
export class FailedExports extends Construct {
  readonly queue: SqsQueue;

  constructor(scope: Construct, id: string, props: FailedExportsProps) {
    super(scope, id);
    const s = props.settings;
    this.queue = keepAddress(new SqsQueue(this, 'failed-exports', {
      name: deadLetterQueueName(props.dataset),
      messageRetentionSeconds: props.retentionSeconds ?? 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    }));
    keepAddress(new SqsQueuePolicy(this, 'failed-exports-policy', {
      queueUrl: this.queue.url,
      policy: toJson(deadLetterQueuePolicy(s, props.dataset)),
    }));

    failureAlarm(this, 'failed-exports', {
      settings: s,
      dataset: props.dataset,
      metric: {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: this.queue.name },
        statistic: 'Maximum',
      },
      description: `Exports of ${props.dataset} failed after retries; their events wait in ${deadLetterQueueName(props.dataset)}`,
    });
  }
}

export interface FailureAlarmProps {
  readonly settings: PlatformSettings;
  readonly dataset: string;
  readonly metric: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Record<string, string>;
    readonly statistic: string;
  };
  readonly description: string;
}

/** An alarm `<exporter>-<id>` to the alarm topic as soon as the metric is above zero in a 5-minute period, and back. */
export function failureAlarm(scope: Construct, id: string, props: FailureAlarmProps): CloudwatchMetricAlarm {
  const topic = alarmTopicArn(props.settings);
  return keepAddress(
    new CloudwatchMetricAlarm(scope, `alarm-${id}`, {
      alarmName: `${exporterName(props.dataset)}-${id}`,
      alarmDescription: props.description,
      ...props.metric,
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [topic],
      okActions: [topic],
    }),
  );
}
