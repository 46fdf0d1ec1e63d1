import { spawnSync } from 'node:child_process';
import { planOffline, type OfflinePlan } from '../../scripts/plan/offline-plan';

export { pool } from '../../scripts/plan/offline-terraform';

export const terraformAvailable = (): boolean => spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

export type PlanResult = OfflinePlan;

/** init (from the mirror), validate, and an offline plan of one synthesized stack directory: npm run plan's code. */
export const initValidatePlan = (stackDir: string, iamEndpoint?: string): Promise<PlanResult> =>
  planOffline(stackDir, { validate: true, iamEndpoint });
