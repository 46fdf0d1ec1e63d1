/**
 * Reads every permission out of the *synthesized* Terraform JSON (what `terraform apply` would create), never out of
 * the TypeScript builders: a bug in how a stack wires a policy (wrong bucket, wrong role, a dropped statement) is only
 * visible here. Anything the loader cannot follow (an unknown resource type, a reference it cannot resolve, a policy
 * that is not a literal) throws: a permission the matrix does not see is a permission nobody reviewed.
 */

import { fail, platformOf, roleArn, stackReader } from './references';

export { ModelError } from './references';

/** A policy document as IAM reads it; statements are kept as written so checks see exactly what AWS would. */
export interface Doc {
  Version?: string;
  Statement: Stmt[];
}
export interface Stmt {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** One synthesized stack, loosely typed: the loader checks every field it reads. */
export interface Stack {
  provider?: { aws?: { region?: string; allowed_account_ids?: string[] }[] };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: unknown;
}

type Where = { stack: string; address: string };
export interface Located<T> extends Where {
  value: T;
}

export interface Bucket extends Where {
  name: string;
  policy?: Doc;
  publicAccessBlock?: Record<string, unknown>;
  ownership?: string;
  sseAlgorithm?: string;
  versioned: boolean;
  /** The rules of its lifecycle configuration, as synthesized (snake_case, blocks as lists). */
  lifecycle: LifecycleRule[];
}

export interface LifecycleRule {
  id?: string;
  status?: string;
  filter?: { prefix?: string }[];
  abort_incomplete_multipart_upload?: { days_after_initiation?: number }[];
  expiration?: { days?: number; expired_object_delete_marker?: boolean }[];
  noncurrent_version_expiration?: { noncurrent_days?: number }[];
}

export interface Model {
  account: string;
  region: string;
  /** Inline policies by the ARN of the role they are attached to (platform user roles and exporter roles). */
  identity: Map<string, Located<Doc>[]>;
  /** Roles the stacks create, by ARN: trust policy and name. */
  roles: Map<string, Where & { name: string; trust: Doc }>;
  buckets: Map<string, Bucket>;
  /** Resource policies of queues, topics and Lambda functions (the latter built from aws_lambda_permission). */
  queues: Map<string, Located<Doc | undefined> & { sse: boolean; url: string }>;
  topics: Map<string, Located<Doc | undefined>>;
  functions: Map<
    string,
    Where & { name: string; role: string; env: Record<string, string>; logGroup?: string; policy: Doc }
  >;
  rules: Map<string, Where & { name: string; pattern: unknown; targets: string[] }>;
  logGroups: Map<string, Where & { retention?: unknown }>;
}

/** Resource types the loader understands; the second group carries no permission of its own. */
const MODELLED = new Set([
  'aws_iam_role',
  'aws_iam_role_policy',
  'aws_s3_bucket',
  'aws_s3_bucket_policy',
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_versioning',
  // Grants nothing, but how long data stays is part of what the checks prove (checks.ts lifecycleProblems).
  'aws_s3_bucket_lifecycle_configuration',
  'aws_sqs_queue',
  'aws_sqs_queue_policy',
  'aws_sns_topic',
  'aws_sns_topic_policy',
  'aws_lambda_function',
  'aws_lambda_permission',
  'aws_cloudwatch_event_rule',
  'aws_cloudwatch_event_target',
  'aws_cloudwatch_log_group',
]);
const NO_PERMISSION = new Set([
  'aws_s3_bucket_notification',
  // Graphs of metrics; its body names no principal and grants nothing.
  'aws_cloudwatch_dashboard',
  'aws_s3_object',
  'aws_cloudwatch_metric_alarm',
  'aws_lambda_function_event_invoke_config',
  // The audit table: a catalog entry and a query workgroup. Neither has a resource policy; who may query is decided by
  // identity policies alone (docs/audit.md), and the receipts' and results' buckets are modelled as buckets.
  'aws_glue_catalog_database',
  'aws_glue_catalog_table',
  'aws_athena_workgroup',
]);

export function loadModel(stacks: Record<string, Stack>): Model {
  const env = platformOf(stacks);
  const m: Model = {
    ...env,
    identity: new Map(),
    roles: new Map(),
    buckets: new Map(),
    queues: new Map(),
    topics: new Map(),
    functions: new Map(),
    rules: new Map(),
    logGroups: new Map(),
  };
  for (const [stackId, stack] of Object.entries(stacks)) {
    if (stack.data !== undefined) fail(stackId, 'has data sources, which the security model does not read');
    const all = stack.resource ?? {};
    for (const type of Object.keys(all)) {
      if (!MODELLED.has(type) && !NO_PERMISSION.has(type)) {
        fail(`${stackId} ${type}`, 'unknown resource type: model its permissions in __tests__/security/model.ts');
      }
    }
    const { each, resolve, doc } = stackReader(stackId, stack, env);
    const bucketOf = (value: unknown, at: string): Bucket => {
      const name = resolve(value, at);
      const b = m.buckets.get(name) ?? fail(at, `bucket ${name} is not created by any stack`);
      if (b.stack !== stackId) fail(at, `bucket ${name} belongs to stack ${b.stack}`);
      return b;
    };

    /** Attributes that grant access inline, where the loader would not look: refuse them. */
    const refuseInline = (r: Record<string, unknown>, at: string, keys: string[]) => {
      for (const k of keys) if (r[k] !== undefined) fail(at, `${k} is not modelled`);
    };
    each('aws_s3_bucket', (r, at, id) => {
      refuseInline(r, at, ['policy', 'acl', 'grant', 'bucket_prefix', 'website']);
      const name = resolve(r.bucket, at);
      if (m.buckets.has(name)) fail(at, `bucket ${name} is created twice`);
      m.buckets.set(name, { stack: stackId, address: `aws_s3_bucket.${id}`, name, versioned: false, lifecycle: [] });
    });
    each('aws_s3_bucket_policy', (r, at) => {
      const b = bucketOf(r.bucket, at);
      if (b.policy) fail(at, `bucket ${b.name} has two policies`);
      b.policy = doc(r.policy, at);
    });
    each('aws_s3_bucket_public_access_block', (r, at) => (bucketOf(r.bucket, at).publicAccessBlock = r));
    each('aws_s3_bucket_ownership_controls', (r, at) => {
      bucketOf(r.bucket, at).ownership = (r.rule as { object_ownership?: string } | undefined)?.object_ownership;
    });
    each('aws_s3_bucket_server_side_encryption_configuration', (r, at) => {
      const rules = (r.rule ?? []) as { apply_server_side_encryption_by_default?: { sse_algorithm?: string } }[];
      bucketOf(r.bucket, at).sseAlgorithm = rules[0]?.apply_server_side_encryption_by_default?.sse_algorithm;
    });
    each('aws_s3_bucket_lifecycle_configuration', (r, at) => {
      const b = bucketOf(r.bucket, at);
      if (b.lifecycle.length > 0) fail(at, `bucket ${b.name} has two lifecycle configurations`);
      b.lifecycle = (r.rule ?? []) as LifecycleRule[];
    });
    each('aws_s3_bucket_versioning', (r, at) => {
      const status = (r.versioning_configuration as { status?: string } | undefined)?.status;
      bucketOf(r.bucket, at).versioned = status === 'Enabled';
    });

    each('aws_iam_role', (r, at, id) => {
      refuseInline(r, at, ['inline_policy', 'managed_policy_arns', 'permissions_boundary', 'name_prefix']);
      const arn = roleArn(env.account, resolve(r.name, at), r.path, at);
      m.roles.set(arn, {
        stack: stackId,
        address: `aws_iam_role.${id}`,
        name: resolve(r.name, at),
        trust: doc(r.assume_role_policy, at),
      });
    });
    each('aws_iam_role_policy', (r, at, id) => {
      const role = resolve(r.role, at);
      // A role created in this stack keeps its path; any other name is an existing platform user role, at path /.
      const own = Object.values(all.aws_iam_role ?? {}).find((x) => x.name === role);
      const arn = roleArn(env.account, role, own?.path, at);
      const list = m.identity.get(arn) ?? [];
      list.push({ stack: stackId, address: `aws_iam_role_policy.${id}`, value: doc(r.policy, at) });
      m.identity.set(arn, list);
    });

    each('aws_sqs_queue', (r, at, id) => {
      refuseInline(r, at, ['policy', 'name_prefix']);
      const arn = resolve(`\${aws_sqs_queue.${id}.arn}`, at);
      const sse = r.sqs_managed_sse_enabled === true || typeof r.kms_master_key_id === 'string';
      const url = resolve(`\${aws_sqs_queue.${id}.url}`, at);
      m.queues.set(arn, { stack: stackId, address: `aws_sqs_queue.${id}`, value: undefined, sse, url });
    });
    each('aws_sqs_queue_policy', (r, at) => {
      const url = resolve(r.queue_url, at);
      const q =
        [...m.queues.values()].find((x) => x.url === url) ?? fail(at, `queue policy for an unknown queue ${url}`);
      q.value = doc(r.policy, at);
    });
    each('aws_sns_topic', (r, at, id) => {
      refuseInline(r, at, ['policy', 'name_prefix']);
      m.topics.set(resolve(`\${aws_sns_topic.${id}.arn}`, at), {
        stack: stackId,
        address: `aws_sns_topic.${id}`,
        value: undefined,
      });
    });
    each('aws_sns_topic_policy', (r, at) => {
      const t = m.topics.get(resolve(r.arn, at)) ?? fail(at, 'topic policy for an unknown topic');
      t.value = doc(r.policy, at);
    });

    each('aws_cloudwatch_log_group', (r, at, id) => {
      m.logGroups.set(resolve(r.name, at), {
        stack: stackId,
        address: `aws_cloudwatch_log_group.${id}`,
        retention: r.retention_in_days,
      });
    });
    each('aws_lambda_function', (r, at, id) => {
      const arn = resolve(`\${aws_lambda_function.${id}.arn}`, at);
      const vars = ((r.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {}) as Record<
        string,
        unknown
      >;
      const variables = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [k, resolve(v, `${at} environment ${k}`)]),
      );
      const logging = r.logging_config as { log_group?: unknown } | undefined;
      m.functions.set(arn, {
        stack: stackId,
        address: `aws_lambda_function.${id}`,
        name: resolve(r.function_name, at),
        role: resolve(r.role, at),
        env: variables,
        policy: { Version: '2012-10-17', Statement: [] },
        logGroup: logging?.log_group === undefined ? undefined : resolve(logging.log_group, `${at} logging_config`),
      });
    });
    each('aws_lambda_permission', (r, at, id) => {
      refuseInline(r, at, [
        'qualifier',
        'source_account',
        'principal_org_id',
        'event_source_token',
        'function_url_auth_type',
      ]);
      const fnValue = resolve(r.function_name, at);
      const fn = [...m.functions.entries()].find(
        ([arn, f]) => f.stack === stackId && (f.name === fnValue || arn === fnValue),
      );
      if (!fn) return fail(at, `function ${fnValue} is not created in this stack`);
      // What `lambda add-permission` writes into the function's resource policy.
      const principal = resolve(r.principal, at);
      fn[1].policy.Statement.push({
        Sid: typeof r.statement_id === 'string' ? r.statement_id : id,
        Effect: 'Allow',
        Principal: /\.amazonaws\.com$/.test(principal) ? { Service: principal } : { AWS: principal },
        Action: resolve(r.action, at),
        Resource: fn[0],
        ...(r.source_arn === undefined
          ? {}
          : { Condition: { ArnLike: { 'AWS:SourceArn': resolve(r.source_arn, at) } } }),
      });
    });
    each('aws_cloudwatch_event_rule', (r, at, id) => {
      const arn = resolve(`\${aws_cloudwatch_event_rule.${id}.arn}`, at);
      let pattern: unknown;
      try {
        pattern = JSON.parse(resolve(r.event_pattern, at));
      } catch (e) {
        fail(at, `event pattern is not JSON: ${(e as Error).message}`);
      }
      m.rules.set(arn, {
        stack: stackId,
        address: `aws_cloudwatch_event_rule.${id}`,
        name: resolve(r.name, at),
        pattern,
        targets: [],
      });
    });
    each('aws_cloudwatch_event_target', (r, at) => {
      const rule = resolve(r.rule, at);
      const found =
        [...m.rules.values()].find((x) => x.stack === stackId && x.name === rule) ?? fail(at, `unknown rule ${rule}`);
      found.targets.push(resolve(r.arn, at));
    });
  }
  return m;
}

/** An Action, Resource or principal value as a list, for checks (the document itself keeps what was written). */
export const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
