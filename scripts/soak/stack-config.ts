import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What the simulation learns from a synthesized push stack instead of restating it: if the rule, the function's
 * settings or its retries change, the soak test runs against the change.
 */

/** A synthesized stack as Terraform sees it (structurally the `StackJson` of __tests__/helpers/synth.ts). */
export interface StackJson {
  readonly provider?: {
    readonly aws?: readonly { readonly region?: string; readonly allowed_account_ids?: readonly string[] }[];
  };
  readonly resource: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
}

/** An EventBridge event pattern: fields to nested patterns, or to lists of accepted values. */
export type EventPattern = { readonly [field: string]: EventPattern | readonly PatternValue[] };
export type PatternValue = string | { readonly prefix: string };

export interface FunctionConfig {
  readonly name: string;
  /** `index.handler`: the file's basename and the export Lambda calls. */
  readonly handler: string;
  readonly region: string;
  readonly account: string;
  readonly pattern: EventPattern;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

/** `cdktf.out/stacks/<stack>/cdk.tf.json` as written by `npm run synth`. */
export function readStack(outdir: string, stack: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson;
}

type Resource = Readonly<Record<string, unknown>>;

function atMostOne(stack: StackJson, type: string, where: (r: Resource) => boolean): Resource | undefined {
  const found = Object.values(stack.resource[type] ?? {}).filter(where);
  if (found.length > 1) throw new Error(`expected at most one ${type} for the function, found ${found.length}`);
  return found[0];
}

/** Whether `value` is the function itself or a `${aws_lambda_function.<id>.<attribute>}` reference to it. */
const pointsAt = (value: unknown, id: string, literal: string): boolean =>
  value === literal || new RegExp(`^\\$\\{aws_lambda_function\\.${id}\\.[a-z_]+\\}$`).test(String(value));

function wholeNumber(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${what}: expected a whole number, found ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The stack's one exporter: its settings, the invoke config that retries it and the rule whose target it is. The
 * links are followed through Terraform references, so a stack with a second function fails here rather than mixing
 * them up.
 */
export function functionConfig(stack: StackJson): FunctionConfig {
  const functions = Object.entries(stack.resource.aws_lambda_function ?? {});
  if (functions.length !== 1)
    throw new Error(`expected one aws_lambda_function in the stack, found ${functions.length}`);
  const [id, fn] = functions[0];
  const name = String(fn.function_name);
  // Without an invoke config Lambda's defaults apply (the same values), hence `?? {}`.
  const retries =
    atMostOne(stack, 'aws_lambda_function_event_invoke_config', (r) => pointsAt(r.function_name, id, name)) ?? {};
  const target = atMostOne(stack, 'aws_cloudwatch_event_target', (r) => pointsAt(r.arn, id, name));
  const ruleId = /^\$\{aws_cloudwatch_event_rule\.([^.]+)\.name\}$/.exec(String(target?.rule))?.[1];
  const rule = ruleId ? stack.resource.aws_cloudwatch_event_rule?.[ruleId] : undefined;
  if (!rule) throw new Error(`no event rule of the stack targets ${name} (target rule: ${String(target?.rule)})`);
  const pattern = JSON.parse(String(rule.event_pattern)) as EventPattern;
  checkPattern(pattern, 'event_pattern');
  const provider = stack.provider?.aws?.[0];
  const variables = (fn.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
  return {
    name,
    handler: String(fn.handler),
    region: provider?.region ?? 'eu-west-1',
    account: provider?.allowed_account_ids?.[0] ?? '593291632749',
    pattern,
    env: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
    timeoutSeconds: wholeNumber(`${name} timeout`, fn.timeout ?? 3),
    memoryMb: wholeNumber(`${name} memory_size`, fn.memory_size ?? 128),
    maximumRetryAttempts: wholeNumber(`${name} maximum_retry_attempts`, retries.maximum_retry_attempts ?? 2),
    maximumEventAgeSeconds: wholeNumber(
      `${name} maximum_event_age_in_seconds`,
      retries.maximum_event_age_in_seconds ?? 21600,
    ),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Only the part of EventBridge's pattern language our rules use. Anything else (numeric, anything-but, exists,
 * wildcard, suffix, $or…) throws, so a rule that starts using it fails the simulation instead of being misread.
 */
function checkPattern(pattern: unknown, where: string): void {
  if (!isObject(pattern)) throw new Error(`${where}: expected an object, found ${JSON.stringify(pattern)}`);
  for (const [field, value] of Object.entries(pattern)) {
    const at = `${where}.${field}`;
    if (field.startsWith('$')) throw new Error(`${at}: the operator ${field} is not simulated`);
    if (!Array.isArray(value)) {
      checkPattern(value, at);
      continue;
    }
    for (const v of value) {
      if (typeof v === 'string') continue;
      const keys = isObject(v) ? Object.keys(v) : [];
      if (keys.length === 1 && keys[0] === 'prefix' && typeof (v as { prefix: unknown }).prefix === 'string') continue;
      throw new Error(`${at}: ${JSON.stringify(v)} is not simulated (only exact strings and {"prefix": "…"})`);
    }
  }
}

function valueMatches(accepted: readonly PatternValue[], value: unknown): boolean {
  // EventBridge matches an array in the event when any of its elements matches.
  if (Array.isArray(value)) return value.some((v) => valueMatches(accepted, v));
  if (typeof value !== 'string') return false;
  return accepted.some((a) => (typeof a === 'string' ? a === value : value.startsWith(a.prefix)));
}

function patternMatches(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([field, p]) =>
    Array.isArray(p) ? valueMatches(p, event[field]) : patternMatches(p as EventPattern, event[field]),
  );
}

/** Whether EventBridge would send `event` to a rule with `pattern`; throws on pattern syntax it does not simulate. */
export function matches(pattern: EventPattern, event: unknown): boolean {
  checkPattern(pattern, 'pattern');
  return patternMatches(pattern, event);
}
