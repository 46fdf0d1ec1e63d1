import { spawnSync } from 'node:child_process';
import { planOffline, type OfflinePlan } from '../../scripts/plan/offline-plan';
import { runOrSkip } from './prerequisites';

export { pool } from '../../scripts/plan/offline-terraform';

export const terraformAvailable = (): boolean => spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

/**
 * `describe` for the suites that run terraform; when it is not on PATH, a failure in CI and a skip with one line
 * elsewhere (helpers/prerequisites.ts). Called once per test file, at load.
 */
export function terraformDescribe(): jest.Describe {
  const missing = terraformAvailable()
    ? undefined
    : { what: 'terraform is not on PATH', fix: 'install Terraform 1.11 (the machine image has it) or add it to PATH' };
  return runOrSkip(missing) ? describe : describe.skip;
}

export type PlanResult = OfflinePlan;

/** init (from the mirror), validate, and an offline plan of one synthesized stack directory: npm run plan's code. */
export const initValidatePlan = (stackDir: string, iamEndpoint?: string): Promise<PlanResult> =>
  planOffline(stackDir, { validate: true, iamEndpoint });
