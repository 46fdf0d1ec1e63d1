import { randomUUID } from 'node:crypto';
import { prepareOffline, runTerraform } from './offline-terraform';

/**
 * Terraform, offline, for plan-against.ts: init from the provider mirror, plan, and a state (format 4) fabricated from
 * a plan, as if it had been applied.
 */

/** One entry of `terraform show -json <plan>`'s resource_changes, as far as this tool reads it. */
export interface ResourceChange {
  address: string;
  previous_address?: string;
  module_address?: string;
  index?: string | number;
  mode: string;
  type: string;
  name: string;
  provider_name: string;
  change: { actions: string[]; before: unknown; after: unknown; after_unknown: unknown; replace_paths?: unknown[][] };
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * terraform offline (offline-terraform.ts). Every run starts the AWS provider (about 5 s of CPU, and most of this
 * tool's time); a quarter of that is garbage collection in a process that lives seconds, hence GOGC=off with a
 * memory limit as the backstop.
 */
const NO_GC = { GOGC: 'off', GOMEMLIMIT: '1GiB' };
const tf = (dir: string, ...args: string[]) => runTerraform(dir, args, NO_GC);

/** Provider overrides that make every run offline, and a local state file whatever backend the settings chose. */
export const prepare = (dir: string): Promise<void> => prepareOffline(dir, { extraEnv: NO_GC });

/** Plans `dir` into plan.bin; true when the plan changes anything (told without `terraform show`, a provider start). */
export const planChanges = async (dir: string): Promise<boolean> =>
  (
    await tf(
      dir,
      'plan',
      '-input=false',
      '-no-color',
      '-lock=false',
      '-refresh=false',
      '-detailed-exitcode',
      '-out=plan.bin',
    )
  ).changes;

export async function plan(dir: string): Promise<ResourceChange[]> {
  await planChanges(dir);
  const shown = JSON.parse((await tf(dir, 'show', '-json', 'plan.bin')).stdout) as {
    resource_changes?: ResourceChange[];
  };
  return (shown.resource_changes ?? []).filter((r) => r.mode === 'managed');
}

/** A node of a provider schema: a block, a value of a cty type (`providers schema -json` spelling), or nested blocks. */
type Node = { block: Json } | { type: unknown } | { each: Node; map: boolean };
type Schemas = Record<string, { version: number; block: Json }>;
let schemas: Promise<Schemas> | undefined;

/** Read once per process: every stack uses the one provider the mirror holds (13 MB of JSON). */
export function resourceSchemas(dir: string): Promise<Schemas> {
  schemas ??= tf(dir, 'providers', 'schema', '-json').then(({ stdout }) => {
    const all = (JSON.parse(stdout) as { provider_schemas: Record<string, { resource_schemas: Schemas }> })
      .provider_schemas;
    return Object.assign({}, ...Object.values(all).map((p) => p.resource_schemas)) as Schemas;
  });
  return schemas;
}

/** Nested blocks (and nested attributes) are lists or sets of their element, a map of it, or the element itself. */
const nesting = (mode: unknown, block: Json): Node =>
  mode === 'list' || mode === 'set' || mode === 'map' ? { each: { block }, map: mode === 'map' } : { block };

function child(node: Node | undefined, key: string | number): Node | undefined {
  if (!node) return undefined;
  if ('each' in node) return node.each;
  if ('block' in node) {
    const attribute = (node.block.attributes as Record<string, { type?: unknown; nested_type?: Json }> | undefined)?.[
      key
    ];
    if (attribute?.nested_type) return nesting(attribute.nested_type.nesting_mode, attribute.nested_type);
    if (attribute) return { type: attribute.type };
    const nested = (node.block.block_types as Record<string, { nesting_mode: string; block: Json }> | undefined)?.[key];
    return nested ? nesting(nested.nesting_mode, nested.block) : undefined;
  }
  const [kind, inner] = Array.isArray(node.type) ? node.type : [node.type];
  if (kind === 'object') return { type: (inner as Json)[key] };
  if (kind === 'tuple') return { type: (inner as unknown[])[key as number] };
  return kind === 'list' || kind === 'set' || kind === 'map' ? { type: inner } : undefined;
}

/**
 * A value for what the plan of a new resource leaves unknown (what AWS would tell after creating it). Strings look
 * like what AWS returns (an ARN for `arn`, the bucket or name for `id`) because resources refer to each other's.
 */
function placeholder(node: Node | undefined, key: string, r: ResourceChange): unknown {
  if (!node || 'block' in node) return null;
  if ('each' in node) return node.map ? {} : [];
  const kind = Array.isArray(node.type) ? node.type[0] : node.type;
  if (kind === 'number') return 0;
  if (kind === 'bool') return false;
  if (kind === 'list' || kind === 'set' || kind === 'tuple') return [];
  if (kind === 'map' || kind === 'object') return {};
  if (kind !== 'string') return null;
  const after = isObject(r.change.after) ? r.change.after : {};
  if (key === 'arn' || key.endsWith('_arn')) return `arn:aws:${r.type.split('_')[1]}:eu-west-1:000000000000:${r.name}`;
  if (key === 'id') return String(after.bucket ?? after.name ?? after.function_name ?? `${r.name}-id`);
  if (key === 'url' || key.endsWith('_url')) return `https://placeholder.invalid/${r.name}`;
  return ''; // what AWS reports for a setting that does not apply (a FIFO-only one on a standard topic)
}

/** `after` with every unknown leaf filled: the prior state's value when there is one (so rounds converge), else a placeholder. */
function fill(
  after: unknown,
  unknown: unknown,
  prior: unknown,
  node: Node | undefined,
  key: string,
  r: ResourceChange,
): unknown {
  if (unknown === true) return prior ?? placeholder(node, key, r);
  if (Array.isArray(after) && Array.isArray(unknown)) {
    return after.map((v, i) =>
      fill(v, unknown[i], Array.isArray(prior) ? prior[i] : undefined, child(node, i), key, r),
    );
  }
  if (isObject(after) && isObject(unknown)) {
    const out: Json = {};
    for (const k of new Set([...Object.keys(after), ...Object.keys(unknown)])) {
      out[k] = fill(after[k], unknown[k], isObject(prior) ? prior[k] : undefined, child(node, k), k, r);
    }
    return out;
  }
  return after ?? null;
}

/** A state (format version 4) in which every resource of the plan exists as planned; `prior` keeps earlier fills stable. */
export function fabricateState(
  changes: ResourceChange[],
  prior: Map<string, unknown>,
  all: Schemas,
): { state: Json; attributes: Map<string, unknown> } {
  const attributes = new Map<string, unknown>();
  const resources = new Map<string, Json & { instances: Json[] }>();
  for (const r of changes) {
    if (r.change.actions.includes('delete') && !r.change.actions.includes('create')) continue;
    const schema = all[r.type];
    const values = fill(
      r.change.after,
      r.change.after_unknown,
      prior.get(r.address),
      schema && { block: schema.block },
      '',
      r,
    );
    attributes.set(r.address, values);
    const key = `${r.module_address ?? ''}|${r.type}.${r.name}`; // one state resource holds all its instances
    if (!resources.has(key)) {
      const module = r.module_address ? { module: r.module_address } : {};
      resources.set(key, {
        ...module,
        mode: 'managed',
        type: r.type,
        name: r.name,
        provider: `provider["${r.provider_name}"]`,
        instances: [],
      });
    }
    const index = r.index === undefined ? {} : { index_key: r.index };
    resources.get(key)!.instances.push({
      ...index,
      schema_version: schema?.version ?? 0,
      attributes: values,
      sensitive_attributes: [],
      dependencies: [],
    });
  }
  const state = {
    version: 4,
    terraform_version: '1.11.4',
    serial: 1,
    lineage: randomUUID(),
    outputs: {},
    resources: [...resources.values()],
    check_results: null,
  };
  return { state, attributes };
}
