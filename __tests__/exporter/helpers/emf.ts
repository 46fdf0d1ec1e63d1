import Ajv from 'ajv';

/**
 * CloudWatch Embedded Metric Format, as its specification states it
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * the structure as a JSON Schema, and the rules a schema cannot say (every dimension and metric the directives name
 * is a member of the root, dimensions are strings, metric values numbers or arrays of at most 100 numbers).
 */
const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
];

const name = { type: 'string', minLength: 1, maxLength: 1024 };
const SCHEMA = {
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      required: ['Timestamp', 'CloudWatchMetrics'],
      properties: {
        Timestamp: { type: 'integer', minimum: 0 },
        CloudWatchMetrics: {
          type: 'array',
          items: {
            type: 'object',
            required: ['Namespace', 'Dimensions', 'Metrics'],
            additionalProperties: false,
            properties: {
              Namespace: { ...name, maxLength: 256 },
              Dimensions: { type: 'array', items: { type: 'array', maxItems: 30, items: name } },
              Metrics: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['Name'],
                  additionalProperties: false,
                  properties: { Name: name, Unit: { enum: UNITS }, StorageResolution: { enum: [1, 60] } },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

type Directive = { Dimensions: string[][]; Metrics: { Name: string }[] };

/** What makes `line` not a valid EMF document; empty when it is one. */
export function emfProblems(line: Record<string, unknown>): string[] {
  if (!validate(line)) return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  const problems: string[] = [];
  for (const d of (line._aws as { CloudWatchMetrics: Directive[] }).CloudWatchMetrics) {
    for (const dimension of d.Dimensions.flat()) {
      if (typeof line[dimension] !== 'string')
        problems.push(`dimension ${dimension} is not a string member of the root`);
    }
    for (const { Name } of d.Metrics) {
      const v = line[Name];
      const values = Array.isArray(v) ? v : [v];
      if (values.length > 100 || !values.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        problems.push(`metric ${Name} is not a number (or up to 100 numbers) at the root`);
      }
    }
  }
  return problems;
}
