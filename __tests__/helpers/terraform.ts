import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the machine image keeps hashicorp/aws 5.100.0 (an unpacked filesystem mirror); nothing is downloaded. */
export const PROVIDER_MIRROR = process.env.TF_PROVIDER_MIRROR ?? '/opt/tf-plugins';

export const terraformAvailable = (): boolean => spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

let cliConfig: string | undefined;
/** The environment every terraform run gets: the mirror-only CLI config, no checkpoint, fake credentials. */
function environment(): NodeJS.ProcessEnv {
  if (!cliConfig) {
    cliConfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfrc-')), 'terraform.rc');
    fs.writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path = "${PROVIDER_MIRROR}"\n  }\n}\n`,
    );
  }
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPLANONLY00',
    AWS_SECRET_ACCESS_KEY: 'offline-plan-only',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * An override file that lets the real provider plan with fake credentials and no network. It is written next to the
 * synthesized JSON only for the test; the synthesized stack itself keeps `allowed_account_ids`, which cannot be
 * checked without asking AWS who we are.
 */
export const OFFLINE_OVERRIDE = {
  provider: {
    aws: {
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      allowed_account_ids: null,
    },
  },
};

export interface PlanResult {
  /** Resource type → how many the plan creates. */
  readonly creates: Record<string, number>;
  /** Actions other than create (there must be none for a new stack). */
  readonly otherActions: string[];
  /** The stack's outputs as the plan would set them (a paused dataset's `paused`: stacks/paused.ts). */
  readonly outputs: Record<string, unknown>;
}

/**
 * terraform in `dir` with the offline environment (plus `extraEnv`); a failure says the command and terraform's own
 * words. Exit status 2 is an answer, not a failure, for `-detailed-exitcode` (the plan changes something).
 */
export async function runTerraform(
  dir: string,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; changes: boolean }> {
  const env = { ...environment(), ...extraEnv };
  try {
    const { stdout } = await run('terraform', args, { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 });
    return { stdout, changes: false };
  } catch (e) {
    const err = e as { code?: unknown; stderr?: string; stdout?: string; message: string };
    if (err.code === 2 && args.includes('-detailed-exitcode')) return { stdout: err.stdout ?? '', changes: true };
    throw new Error(`terraform ${args.join(' ')} in ${dir} failed:\n${err.stderr || err.stdout || err.message}`);
  }
}

const terraform = async (dir: string, ...args: string[]): Promise<string> => (await runTerraform(dir, args)).stdout;

/** init (from the mirror), validate, and an offline plan of one synthesized stack directory. */
export async function initValidatePlan(stackDir: string): Promise<PlanResult> {
  fs.writeFileSync(path.join(stackDir, 'offline_override.tf.json'), JSON.stringify(OFFLINE_OVERRIDE));
  await terraform(stackDir, 'init', '-input=false', '-no-color');
  await terraform(stackDir, 'validate', '-no-color');
  await terraform(stackDir, 'plan', '-input=false', '-no-color', '-lock=false', '-refresh=false', '-out=plan.bin');
  const plan = JSON.parse(await terraform(stackDir, 'show', '-json', 'plan.bin')) as {
    resource_changes: { type: string; address: string; change: { actions: string[] } }[];
    output_changes?: Record<string, { after?: unknown }>;
  };
  const creates: Record<string, number> = {};
  const otherActions: string[] = [];
  for (const r of plan.resource_changes) {
    if (r.change.actions.join() === 'create') creates[r.type] = (creates[r.type] ?? 0) + 1;
    else otherActions.push(`${r.address}: ${r.change.actions.join()}`);
  }
  const outputs = Object.fromEntries(Object.entries(plan.output_changes ?? {}).map(([k, v]) => [k, v.after]));
  return { creates, otherActions, outputs };
}

/** Runs `work` over `items` with at most `limit` at a time (terraform is CPU-bound; the machine has 2 cores). */
export async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}
