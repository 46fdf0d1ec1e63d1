import type { Doc, Stack } from './model';

/**
 * Reading one synthesized stack: Terraform references (`${aws_s3_bucket.x.id}`) resolved to the literal values AWS
 * would see, and policy documents parsed. Whatever cannot be resolved throws ModelError, naming the stack and the
 * resource: an unreadable permission must stop the suite, not drop out of it.
 */

export class ModelError extends Error {}
export const fail = (where: string, message: string): never => {
  throw new ModelError(`${where}: ${message}`);
};

export interface Platform {
  readonly account: string;
  readonly region: string;
}

const REF = /^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}$/;

export function stackReader(stackId: string, stack: Stack, env: Platform) {
  const all = stack.resource ?? {};
  const each = (type: string, f: (r: Record<string, unknown>, at: string, id: string) => void) =>
    Object.entries(all[type] ?? {}).forEach(([id, r]) => f(r, `${stackId} ${type}.${id}`, id));
  /** `${type.id.attr}` in this stack, resolved to a literal; a literal passes through; anything else throws. */
  const resolve = (value: unknown, at: string): string => {
    if (typeof value !== 'string') return fail(at, `expected a string, found ${JSON.stringify(value)}`);
    const ref = REF.exec(value);
    if (!ref) return value.includes('${') ? fail(at, `unresolvable expression ${value}`) : value;
    const [, type, id, attr] = ref;
    const r = all[type]?.[id] ?? fail(at, `dangling reference ${value}`);
    const lit = (key: string) => {
      const v = r[key];
      return typeof v === 'string' && !v.includes('${')
        ? v
        : fail(at, `${value}: ${type}.${id}.${key} is not a literal`);
    };
    const key = `${type}.${attr}`;
    switch (key) {
      case 'aws_s3_bucket.id':
      case 'aws_s3_bucket.bucket':
        return lit('bucket');
      case 'aws_s3_bucket.arn':
        return `arn:aws:s3:::${lit('bucket')}`;
      case 'aws_iam_role.name':
      case 'aws_iam_role.id':
        return lit('name');
      case 'aws_iam_role.arn':
        return roleArn(env.account, lit('name'), r.path, at);
      case 'aws_lambda_function.function_name':
        return lit('function_name');
      case 'aws_lambda_function.arn':
        return `arn:aws:lambda:${env.region}:${env.account}:function:${lit('function_name')}`;
      case 'aws_cloudwatch_event_rule.name':
        return lit('name');
      case 'aws_cloudwatch_event_rule.arn':
        if (r.event_bus_name !== undefined && r.event_bus_name !== 'default')
          fail(at, 'rules on custom buses are not modelled');
        return `arn:aws:events:${env.region}:${env.account}:rule/${lit('name')}`;
      case 'aws_sqs_queue.arn':
        return `arn:aws:sqs:${env.region}:${env.account}:${lit('name')}`;
      case 'aws_sqs_queue.url':
        return `https://sqs.${env.region}.amazonaws.com/${env.account}/${lit('name')}`;
      case 'aws_sqs_queue.name':
        return lit('name');
      case 'aws_sns_topic.arn':
        return `arn:aws:sns:${env.region}:${env.account}:${lit('name')}`;
      case 'aws_cloudwatch_log_group.name':
        return lit('name');
      default:
        return fail(at, `reference ${value} is not modelled`);
    }
  };
  const doc = (value: unknown, at: string): Doc => {
    const text = resolve(value, at);
    let parsed: Doc;
    try {
      parsed = JSON.parse(text) as Doc;
    } catch (e) {
      return fail(at, `policy is not JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed.Statement)) fail(at, 'policy has no Statement list');
    return parsed;
  };
  return { each, resolve, doc };
}

/** The ARN IAM gives a role: path (default `/`) between `role` and the name. */
export function roleArn(account: string, name: string, path: unknown, at: string): string {
  const p = path === undefined ? '/' : path;
  if (typeof p !== 'string' || !/^\/([\w+=,.@-]+\/)*$/.test(p))
    fail(at, `role path ${JSON.stringify(path)} is not a literal IAM path`);
  return `arn:aws:iam::${account}:role${p as string}${name}`;
}

/** Every stack must be pinned to the same one account and region, or ARNs derived here would be wrong. */
export function platformOf(stacks: Record<string, Stack>): { account: string; region: string } {
  const seen = new Set<string>();
  for (const [id, s] of Object.entries(stacks)) {
    const p = s.provider?.aws ?? [];
    if (p.length !== 1) fail(id, `expected one aws provider, found ${p.length}`);
    const accounts = p[0].allowed_account_ids ?? [];
    if (accounts.length !== 1 || typeof p[0].region !== 'string')
      fail(id, 'the provider must pin one account and a region');
    seen.add(`${accounts[0]} ${p[0].region}`);
  }
  if (seen.size !== 1) fail('stacks', `expected one account and region, found ${[...seen].join(', ')}`);
  const [account, region] = [...seen][0].split(' ');
  return { account, region };
}
