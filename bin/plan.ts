import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { stackIds } from '../naming';
import { formatDiagnostic, planOffline, type OfflinePlan } from '../scripts/plan/offline-plan';
import { pool } from '../scripts/plan/offline-terraform';
import { commandLine, synthApp, type Print } from './cli';

const USAGE = `usage: npm run plan -- [--help] [stack ...]

Plans stacks with no AWS account, credentials or network: synthesizes the working tree (the datasets under
EXPORTS_DATASETS_DIR, default the repository root) into a scratch folder, runs terraform init from the machine's
provider mirror (TF_PROVIDER_MIRROR, default /opt/tf-plugins) and an offline plan of each stack against an empty
state, and prints each plan: what the stack would create. Without arguments, every stack, the exporter first.

What it cannot show: changes against what is deployed (for that, "npm run cdktf -- diff <stack>" with AWS
credentials), and the leavers' check (whether each role a dataset names still exists), which asks IAM.

Exit status: 0 planned, 1 a synthesis or a plan failed, 2 usage error (e.g. an unknown stack).`;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Stacks in the order a deploy takes them: the exporter (every dataset stack names its resources), then by name. */
const deployOrder = (stacks: string[]) =>
  [...stacks].sort((a, b) => Number(b === stackIds.exporter) - Number(a === stackIds.exporter) || a.localeCompare(b));

function render(stack: string, plan: OfflinePlan): string {
  const warnings = plan.warnings.map(formatDiagnostic);
  return [`== ${stack}`, '', plan.text!.trimEnd(), ...(warnings.length ? ['', ...warnings] : []), ''].join('\n');
}

export async function planCommand(
  argv: readonly string[],
  root: string,
  out: Print,
  err: Print,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = commandLine(argv, {}, USAGE, out, err);
  if (typeof parsed === 'number') return parsed;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-plan-'));
  try {
    let started = Date.now();
    try {
      synthApp(root, scratch, env);
    } catch (e) {
      err(`plan: ${(e as Error).message}`);
      return 1;
    }
    const known = deployOrder(fs.readdirSync(path.join(scratch, 'stacks')));
    err(`plan: synthesized ${known.length} stack(s) in ${seconds(started)}`);
    const unknown = parsed.positionals.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
      err(`plan: no stack is named ${unknown.map((s) => `"${s}"`).join(', ')}. Known: ${known.join(', ')}\n\n${USAGE}`);
      return 2;
    }
    const stacks = parsed.positionals.length > 0 ? deployOrder([...new Set(parsed.positionals)]) : known;
    started = Date.now();
    let failed = 0;
    let unchecked = 0;
    let done = 0;
    const planOne = (stack: string): Promise<OfflinePlan | Error> => {
      const begun = Date.now();
      const progress = (what: string) =>
        err(`plan: ${stack} ${what} in ${seconds(begun)} (${++done} of ${stacks.length})`);
      return planOffline(path.join(scratch, 'stacks', stack), { text: true }).then(
        (plan) => (progress('planned'), plan),
        (e: Error) => (progress('failed'), e),
      );
    };
    // Two at a time (terraform is CPU-bound; these machines have two cores), printed in order as each is ready.
    const settle: ((result: OfflinePlan | Error) => void)[] = [];
    const results = stacks.map((_, i) => new Promise<OfflinePlan | Error>((resolve) => (settle[i] = resolve)));
    void pool([...stacks.keys()], 2, async (i) => settle[i](await planOne(stacks[i])));
    for (const [i, pending] of results.entries()) {
      const result = await pending;
      if (result instanceof Error) failed++;
      else if (!result.rolesChecked) unchecked++;
      out(result instanceof Error ? `== ${stacks[i]}\n\n${result.message}\n` : render(stacks[i], result));
    }
    const planned = stacks.length - failed;
    err(
      `plan: ${planned} of ${stacks.length} stack(s) planned in ${seconds(started)}${failed ? `, ${failed} failed` : ''}`,
    );
    if (unchecked > 0) {
      err(
        `plan: offline, the leavers' check of ${unchecked} dataset stack(s) did not run (it asks IAM whether each ` +
          'role still exists); "npm run cdktf -- diff <stack>" with AWS credentials runs it',
      );
    }
    return failed > 0 ? 1 : 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void planCommand(process.argv.slice(2), PROJECT_ROOT, console.log, console.error).then((code) => {
    process.exitCode = code;
  });
}
