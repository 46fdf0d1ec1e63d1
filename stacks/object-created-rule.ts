import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { handoverPrefix, exportPrefix, exporterName, type PlatformSettings } from '../naming';
import { keepAddress } from './addresses';

export interface ObjectCreatedRuleProps {
  readonly settings: PlatformSettings;
  readonly dataset: string;
  readonly fn: LambdaFunction;
  /** Where EventBridge sends what it could not deliver to the function. */
  readonly deadLetterArn: string;
}

/**
 * The EventBridge rule that feeds a push dataset's exporter every object created under `<name>/` of the export
 * bucket (and under its handover prefix), its target, and the permission for EventBridge to invoke it.
 */
export class ObjectCreatedRule extends Construct {
  constructor(scope: Construct, id: string, props: ObjectCreatedRuleProps) {
    super(scope, id);
    const s = props.settings;
    const rule = keepAddress(new CloudwatchEventRule(this, 'object-created', {
      name: exporterName(props.dataset),
      description: `Objects created under s3://${s.exportBucket}/${exportPrefix(props.dataset)}`,
      eventPattern: JSON.stringify({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [s.exportBucket] },
          // The trailing slash keeps dataset `proj` from receiving `proj_2/…`. A transfer too long for one invocation
          // writes its handover under the handover prefix, and that write invokes the next one.
          object: { key: [{ prefix: exportPrefix(props.dataset) }, { prefix: handoverPrefix(props.dataset) }] },
        },
      }),
    }));
    // EventBridge's own retries cover failed delivery to Lambda; what it cannot deliver goes to the dead letters.
    keepAddress(new CloudwatchEventTarget(this, 'object-created-target', {
      rule: rule.name,
      arn: props.fn.arn,
      retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 24 * 3600 },
      deadLetterConfig: { arn: props.deadLetterArn },
    }));
    keepAddress(new LambdaPermission(this, 'object-created-invoke', {
      functionName: props.fn.functionName,
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    }));
  }
}
