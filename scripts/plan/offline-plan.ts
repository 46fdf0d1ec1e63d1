import * as path from 'node:path';
import { ROLES_EXIST_CHECK } from '../../naming';
import { REFUSING_ENDPOINT, prepareOffline, runTerraform } from './offline-terraform';

/** One of terraform's diagnostics (`plan -json`), as far as a reader needs it. */
export interface Diagnostic {
  readonly severity: 'warning' | 'error';
  readonly summary: string;
  readonly detail: string;
  /** The configuration block it is about, e.g. `check.roles_exist`. */
  readonly context?: string;
}

export interface OfflinePlan {
  /** Resource type → how many the plan creates. */
  readonly creates: Record<string, number>;
  /** Actions other than create (there are none for a new stack). */
  readonly otherActions: string[];
  /** The stack's outputs as the plan would set them (a paused dataset's `paused`: stacks/paused.ts). */
  readonly outputs: Record<string, unknown>;
  /** Terraform's warnings (a failed leavers' check among them), less the one an offline leavers' check must give. */
  readonly warnings: Diagnostic[];
  /** False when the stack has a leavers' check that could not ask IAM (offline, it never can). */
  readonly rolesChecked: boolean;
  /** The plan as `terraform show` prints it, when asked for (one more start of the provider, seconds of CPU). */
  readonly text?: string;
}

export interface OfflinePlanOptions {
  /** Run `terraform validate` first. @default false */
  readonly validate?: boolean;
  /** Also render the plan as text (OfflinePlan.text). @default false */
  readonly text?: boolean;
  /** Where IAM's calls go (the leavers' check). @default a refusing port on 127.0.0.1: the check cannot run */
  readonly iamEndpoint?: string;
  /** Added to terraform's environment. @default none */
  readonly extraEnv?: NodeJS.ProcessEnv;
}

type JsonLine = {
  type?: string;
  diagnostic?: { severity: string; summary: string; detail?: string; snippet?: { context?: string } };
};

const diagnosticsOf = (stdout: string): Diagnostic[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as JsonLine)
    .flatMap(({ type, diagnostic: d }) =>
      type === 'diagnostic' && d
        ? [
            {
              severity: d.severity as Diagnostic['severity'],
              summary: d.summary,
              detail: d.detail ?? '',
              context: d.snippet?.context,
            },
          ]
        : [],
    );

/** The warning a leavers' check gives when IAM refused to answer: expected offline, and said once by the caller. */
const isUnansweredCheck = (d: Diagnostic, endpoint: string) =>
  d.context?.startsWith(`check.${ROLES_EXIST_CHECK}.`) === true &&
  d.summary.includes(endpoint.replace(/^https?:\/\//, ''));

/** A diagnostic as a person reads it: what, then terraform's detail. */
export const formatDiagnostic = (d: Diagnostic): string =>
  `${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary}${d.detail ? `\n  ${d.detail.replace(/\n/g, '\n  ')}` : ''}`;

/**
 * init (from the mirror), optionally validate, and an offline plan of one synthesized stack directory, against an
 * empty state: what the stack would create. Writes its override files into `stackDir`, so give it a scratch copy, never
 * cdktf.out (a later `cdktf deploy` would read them). A failed plan throws with terraform's errors in words.
 */
export async function planOffline(stackDir: string, options: OfflinePlanOptions = {}): Promise<OfflinePlan> {
  const endpoint = options.iamEndpoint ?? REFUSING_ENDPOINT;
  const tf = async (...args: string[]) => (await runTerraform(stackDir, args, options.extraEnv)).stdout;
  await prepareOffline(stackDir, { iamEndpoint: endpoint, extraEnv: options.extraEnv });
  if (options.validate) await tf('validate', '-no-color');
  const planArgs = ['plan', '-input=false', '-lock=false', '-refresh=false', '-json', '-out=plan.bin'];
  let diagnostics: Diagnostic[];
  try {
    diagnostics = diagnosticsOf(await tf(...planArgs));
  } catch (e) {
    const stdout = (e as { stdout?: string }).stdout ?? '';
    const errors = diagnosticsOf(stdout).filter((d) => d.severity === 'error');
    if (errors.length === 0) throw e;
    throw new Error(`terraform plan of ${path.basename(stackDir)} failed:\n${errors.map(formatDiagnostic).join('\n')}`);
  }
  const unanswered = diagnostics.filter((d) => isUnansweredCheck(d, endpoint));
  const plan = JSON.parse(await tf('show', '-json', 'plan.bin')) as {
    resource_changes?: { type: string; address: string; mode: string; change: { actions: string[] } }[];
    output_changes?: Record<string, { after?: unknown }>;
  };
  const creates: Record<string, number> = {};
  const otherActions: string[] = [];
  for (const r of (plan.resource_changes ?? []).filter((c) => c.mode === 'managed')) {
    if (r.change.actions.join() === 'create') creates[r.type] = (creates[r.type] ?? 0) + 1;
    else otherActions.push(`${r.address}: ${r.change.actions.join()}`);
  }
  return {
    creates,
    otherActions,
    outputs: Object.fromEntries(Object.entries(plan.output_changes ?? {}).map(([k, v]) => [k, v.after])),
    warnings: diagnostics.filter((d) => d.severity === 'warning' && !unanswered.includes(d)),
    rolesChecked: unanswered.length === 0,
    text: options.text ? await tf('show', '-no-color', 'plan.bin') : undefined,
  };
}
