import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { mirrorCliConfig } from '../terraform-cli-config';

/**
 * Terraform with no AWS and no network: providers from the machine's filesystem mirror, fake credentials, a local
 * state, and every AWS call that a plan would make answered at once. `npm run plan`, plan-against.ts and the tests
 * all plan through this module, so what a reviewer runs is what the tests run.
 */

const run = promisify(execFile);

/**
 * Where an offline plan sends IAM's calls: a closed port on this machine, refused at once. Only the leavers' check
 * (stacks/roles-exist-check.ts) calls IAM in a plan; offline it cannot run, and says so as one warning.
 */
export const REFUSING_ENDPOINT = 'http://127.0.0.1:1';

/** The environment every terraform run gets: the mirror-only CLI config, no checkpoint, fake credentials. */
function environment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: mirrorCliConfig(),
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPLANONLY00',
    AWS_SECRET_ACCESS_KEY: 'offline-plan-only',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  // A caller's own AWS session must not mix with the fake keys.
  for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'])
    delete env[name];
  return env;
}

/**
 * An override file that lets the real provider plan with fake credentials and no network. It is written only into a
 * scratch copy of the synthesized stack; the stack itself keeps `allowed_account_ids`, which cannot be checked without
 * asking AWS who we are. One retry: a refused call is not worth the provider's 25.
 */
export const offlineOverride = (iamEndpoint = REFUSING_ENDPOINT) => ({
  provider: {
    aws: {
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      allowed_account_ids: null,
      max_retries: 1,
      endpoints: { iam: iamEndpoint },
    },
  },
});

/** Whatever backend the settings chose (S3, HCP Terraform), an offline plan reads and writes a local, empty state. */
const LOCAL_BACKEND = { terraform: { backend: { local: { path: 'terraform.tfstate' } } } };

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
    const words = err.code === 'ENOENT' ? 'terraform is not on PATH' : err.stderr || err.stdout || err.message;
    // Keeps terraform's standard output: with -json, its errors are there, as diagnostics.
    throw Object.assign(new Error(`terraform ${args.join(' ')} in ${dir} failed:\n${words}`), { stdout: err.stdout });
  }
}

/** Writes the offline overrides into a (scratch) stack directory and runs `terraform init` from the mirror. */
export async function prepareOffline(
  dir: string,
  options: { iamEndpoint?: string; extraEnv?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  fs.writeFileSync(path.join(dir, 'offline_override.tf.json'), JSON.stringify(offlineOverride(options.iamEndpoint)));
  fs.writeFileSync(path.join(dir, 'backend_override.tf.json'), JSON.stringify(LOCAL_BACKEND));
  await runTerraform(dir, ['init', '-input=false', '-no-color'], options.extraEnv);
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
