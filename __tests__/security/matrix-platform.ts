import { table, type Cell, type Row } from './cells';

/** Everyone else, the transport rules of every bucket, the services that call us, and who may assume our roles. */

const EVENTS = 'events.amazonaws.com';
const ALARMS = 'topic:mojap-hub-exports-alarms';
const DLQ = 'queue:export_proj-move-failed';
const BUCKETS = [
  'mojap-hub-exports',
  'mojap-hub-exports-ledger',
  'mojap-hub-exports-lambda-code',
  'mojap-hub-exports-audit-results',
  'mojap-share-a',
  'mojap-share-b',
];

/** Unsigned requests and roles no dataset lists get nothing, on any bucket (Block Public Access is on as well). */
export const NOBODY: Cell[] = table('Anonymous and unlisted principals', [
  ...BUCKETS.flatMap((b): Row[] => [
    ['anonymous', 's3:GetObject', `${b}/proj/data.csv`, 'Denied'],
    ['anonymous', 's3:PutObject', `${b}/proj/data.csv`, 'Denied'],
    ['anonymous', 's3:ListBucket', b, 'Denied'],
  ]),
  ['anonymous', 'lambda:InvokeFunction', 'fn:export_proj-move', 'Denied'],
  ['anonymous', 'sqs:SendMessage', 'queue:export_proj-move-failed', 'Denied'],
  ['anonymous', 'sns:Publish', ALARMS, 'Denied'],
  // Audit query results (what was sent, to whom) are no dataset user's or exporter's to read.
  ['alpha_user_p1', 's3:GetObject', 'mojap-hub-exports-audit-results/q/1.csv', 'Denied'],
  ['export_proj-move', 's3:GetObject', 'mojap-hub-exports-audit-results/q/1.csv', 'Denied'],
  // A platform user in no dataset: these stacks give it nothing.
  ['alpha_user_nobody', 's3:PutObject', 'mojap-hub-exports/proj/data.csv', 'Denied'],
  ['alpha_user_nobody', 's3:ListBucket', 'mojap-hub-exports', 'Denied', { prefix: 'proj/' }],
  ['alpha_user_nobody', 's3:GetObject', 'mojap-share-a/out.csv', 'Denied'],
  // An external role no dataset lists, in an account no dataset names.
  ['arn:aws:iam::123456789012:role/stranger', 's3:GetObject', 'mojap-hub-exports/proj/data.csv', 'Denied'],
  ['arn:aws:iam::123456789012:role/stranger', 's3:GetObject', 'mojap-share-b/out.csv', 'Denied'],
  ['arn:aws:iam::123456789012:role/stranger', 'sts:AssumeRole', 'role:export_proj-move', 'Denied'],
]);

/**
 * Plain HTTP and TLS below 1.2 are refused on every bucket, by an explicit Deny that beats any Allow: each principal
 * here is allowed the same request over TLS 1.2 (the boundary), shown by the Allowed cell next to it.
 */
const transport = (who: string, action: string, resource: string): Row[] => [
  [who, action, resource, 'Explicitly denied', { tls: 'HTTP' }],
  [who, action, resource, 'Explicitly denied', { tls: 'TLS 1.1' }],
  [who, action, resource, 'Allowed', { tls: 'TLS 1.2' }],
];
export const TRANSPORT: Cell[] = table('Transport: HTTPS and TLS 1.2 or later only', [
  ...transport('alpha_user_p1', 's3:PutObject', 'mojap-hub-exports/proj/data.csv'),
  ...transport('export_proj-move', 's3:GetObjectVersion', 'mojap-hub-exports/proj/data.csv'),
  ...transport('export_proj-move', 's3:PutObject', 'mojap-hub-exports-ledger/proj/0a1b.json'),
  ...transport('platform-admin', 's3:GetObject', 'mojap-hub-exports-lambda-code/exporter/code.zip'),
  // The audit workgroup's query results: reviewers' own roles reach them (docs/audit.md), over TLS only.
  ...transport('platform-admin', 's3:GetObject', 'mojap-hub-exports-audit-results/q/1.csv'),
  ...transport('alpha_user_shared', 's3:GetObject', 'mojap-share-a/out.csv'),
  ...transport('arn:aws:iam::111122223333:role/reader-a', 's3:GetObject', 'mojap-share-a/out.csv'),
  ...transport('arn:aws:iam::111122223333:role/reader-b', 's3:ListBucket', 'mojap-share-b'),
  ['platform-admin', 's3:PutBucketPolicy', 'mojap-share-b', 'Explicitly denied', { tls: 'HTTP' }],
  // The dead-letter queue refuses plain HTTP too (SQS has no TLS version key).
  [EVENTS, 'sqs:SendMessage', DLQ, 'Explicitly denied', { tls: 'HTTP', sourceRule: 'export_proj-move' }],
]);

/**
 * AWS services. The Lambda permission becomes a statement of the function's resource policy (principal
 * events.amazonaws.com, condition aws:SourceArn = the rule), so each rule can invoke its own function only.
 */
const from = (rule: string) => ({ sourceRule: rule });
export const SERVICES: Cell[] = table('AWS services', [
  [EVENTS, 'lambda:InvokeFunction', 'fn:export_proj-move', 'Allowed', from('export_proj-move')],
  [EVENTS, 'lambda:InvokeFunction', 'fn:export_proj_2-move', 'Allowed', from('export_proj_2-move')],
  [EVENTS, 'lambda:InvokeFunction', 'fn:export_proj2-move', 'Allowed', from('export_proj2-move')],
  [EVENTS, 'lambda:InvokeFunction', 'fn:export_proj-move', 'Denied', from('export_proj_2-move')],
  [EVENTS, 'lambda:InvokeFunction', 'fn:export_proj_2-move', 'Denied', from('export_proj-move')],
  [EVENTS, 'lambda:InvokeFunction', 'fn:export_proj-move', 'Denied', from('someone-elses-rule')],
  [EVENTS, 'lambda:InvokeFunction', 'fn:export_proj-move', 'Denied'],
  ['s3.amazonaws.com', 'lambda:InvokeFunction', 'fn:export_proj-move', 'Denied'],
  ['alpha_user_p1', 'lambda:InvokeFunction', 'fn:export_proj-move', 'Denied'],
  // Failed deliveries: each rule into its own dead-letter queue.
  [EVENTS, 'sqs:SendMessage', 'queue:export_proj-move-failed', 'Allowed', from('export_proj-move')],
  [EVENTS, 'sqs:SendMessage', 'queue:export_proj-move-failed', 'Denied', from('export_proj_2-move')],
  [EVENTS, 'sqs:SendMessage', 'queue:export_proj_2-move-failed', 'Denied', from('export_proj-move')],
  ['alpha_user_p1', 'sqs:SendMessage', 'queue:export_proj-move-failed', 'Denied'],
  // Alarms of this account only.
  ['cloudwatch.amazonaws.com', 'sns:Publish', ALARMS, 'Allowed', { sourceAccount: '593291632749' }],
  ['cloudwatch.amazonaws.com', 'sns:Publish', ALARMS, 'Denied', { sourceAccount: '111122223333' }],
  [EVENTS, 'sns:Publish', ALARMS, 'Denied', { sourceAccount: '593291632749' }],
]);

/** Trust policies: Lambda, and nothing and nobody else, may assume an exporter role. */
export const TRUST: Cell[] = table('Who may assume the exporter roles', [
  ...['export_proj-move', 'export_proj_2-move', 'export_proj2-move'].flatMap((role): Row[] => [
    ['lambda.amazonaws.com', 'sts:AssumeRole', `role:${role}`, 'Allowed'],
    [EVENTS, 'sts:AssumeRole', `role:${role}`, 'Denied'],
  ]),
  ['ec2.amazonaws.com', 'sts:AssumeRole', 'role:export_proj-move', 'Denied'],
  // Same account and allowed everything by its own policy: a trust policy must name it, and none does.
  ['platform-admin', 'sts:AssumeRole', 'role:export_proj-move', 'Denied'],
  ['alpha_user_p1', 'sts:AssumeRole', 'role:export_proj-move', 'Denied'],
  ['arn:aws:iam::111122223333:role/reader-a', 'sts:AssumeRole', 'role:export_proj-move', 'Denied'],
  ['anonymous', 'sts:AssumeRole', 'role:export_proj-move', 'Denied'],
]);
