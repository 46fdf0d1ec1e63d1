import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { PROJECT_ROOT, loadDatasets } from '../../config';
import { bundleLambda, type LambdaArtifact } from '../../packaging/lambda-bundle';
import { resolveSettings } from '../../settings';
import { buildApp } from '../../stacks/app';

export const FIXTURE_DATASETS = path.join(PROJECT_ROOT, '__tests__', 'fixtures', 'datasets');

/** A synthesized stack as Terraform sees it. */
export type StackJson = {
  terraform?: { backend?: Record<string, Record<string, unknown>> };
  provider: { aws: { default_tags: { tags: Record<string, string> }[]; region: string; allowed_account_ids: string[] }[] };
  resource: Record<string, Record<string, Record<string, unknown>>>;
};

export interface Synthesized {
  readonly outdir: string;
  readonly stacks: Record<string, StackJson>;
  /** The raw text of each stack's cdk.tf.json, for byte-for-byte comparisons. */
  readonly text: Record<string, string>;
}

let artifact: LambdaArtifact | undefined;
/** The real exporter bundle, built once per test process. */
export function exporterArtifact(): LambdaArtifact {
  artifact ??= bundleLambda({
    entry: 'functions/exporter/handler.ts',
    projectRoot: PROJECT_ROOT,
    outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-bundle-')),
  });
  return artifact;
}

/** Synthesizes the datasets under `roots` the way main.ts does, into a fresh directory. */
export function synthesize(roots: string[] = [FIXTURE_DATASETS], env: NodeJS.ProcessEnv = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-synth-'));
  const app = new App({ outdir });
  const { settings, problems } = resolveSettings(env, () => undefined);
  if (!settings) throw new Error(problems.join('\n'));
  const loaded = loadDatasets(roots, { settings: settings.platform });
  if (loaded.problems.length > 0) throw new Error(JSON.stringify(loaded.problems));
  buildApp(app, loaded.datasets, settings, exporterArtifact()).synth();
  const stacks: Record<string, StackJson> = {};
  const text: Record<string, string> = {};
  for (const id of fs.readdirSync(path.join(outdir, 'stacks'))) {
    text[id] = fs.readFileSync(path.join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8');
    stacks[id] = JSON.parse(text[id]) as StackJson;
  }
  return { outdir, stacks, text };
}

/** All resources of a type in a stack, by construct id. */
export function resources(stack: StackJson, type: string): Record<string, Record<string, unknown>> {
  return stack.resource[type] ?? {};
}

export function only(stack: StackJson, type: string): Record<string, unknown> {
  const all = Object.values(resources(stack, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/** Resolves `${aws_x.id.attr}` references to the resource they point at, for following links between resources. */
export function target(stack: StackJson, reference: unknown): Record<string, unknown> {
  const m = String(reference).match(/^\$\{([a-z0-9_]+)\.([^.]+)\.[a-z_]+\}$/);
  if (!m) throw new Error(`not a reference: ${String(reference)}`);
  const found = resources(stack, m[1])[m[2]];
  if (!found) throw new Error(`dangling reference: ${String(reference)}`);
  return found;
}

export const policyOf = (value: unknown) =>
  JSON.parse(String(value)) as { Statement: { Sid: string; Effect: string; Action: string[]; Resource?: string | string[]; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> }[] };
