import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const ENV_FILE = path.join(ROOT, '.local-s3/env');

type GlobalConfig = { testPathPatterns?: { patterns?: string[] } };

/** Whether this jest run selects any suite needing S3 (`*.s3.test.ts` here); no path filter selects them all. */
function wanted(globalConfig: GlobalConfig): boolean {
  const patterns = globalConfig.testPathPatterns?.patterns ?? [];
  if (patterns.length === 0) return true;
  const suites = fs.readdirSync(__dirname).filter((f) => f.endsWith('.s3.test.ts'));
  return suites.some((f) => patterns.some((p) => new RegExp(p, 'i').test(path.join(__dirname, f))));
}

/** Whether the server `.local-s3/env` describes answers (the bench uses this too). */
export async function running(): Promise<boolean> {
  if (!fs.existsSync(ENV_FILE)) return false;
  const endpoint = /^AWS_ENDPOINT_URL_S3=(.*)$/m.exec(fs.readFileSync(ENV_FILE, 'utf8'))?.[1];
  if (!endpoint) return false;
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the local S3 server (Ceph RGW; the script installs it when missing and it can) once per jest run. A server
 * already running is used and left running. One that cannot start fails the run in CI; elsewhere the S3 suites skip
 * and say why.
 */
export default async function globalSetup(globalConfig: GlobalConfig): Promise<void> {
  if (!wanted(globalConfig) || (await running())) return;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/local-s3/start.sh')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status === 0 && fs.existsSync(ENV_FILE)) {
    process.stdout.write(`\n${output.split('\n').pop()}\n`);
    // A server another run started (busy, so it answered slowly above) is that run's to stop, not ours.
    if (!/already running/.test(output)) (globalThis as { hubExportsStartedS3?: boolean }).hubExportsStartedS3 = true;
    return;
  }
  const reason = `npm run s3:start failed (exit ${r.status ?? r.signal ?? r.error?.message}): ${output.slice(-1500)}`;
  if (process.env.CI === 'true') throw new Error(reason);
  // Workers inherit the environment: the suites print this when they skip.
  process.env.HUB_EXPORTS_LOCAL_S3_UNAVAILABLE = reason;
}
