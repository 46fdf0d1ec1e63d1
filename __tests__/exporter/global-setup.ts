import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCI } from '../../scripts/ci';
import { localS3Dir, localS3EnvFile } from '../../scripts/local-s3/dir';
import { ciFailure, type Missing } from '../helpers/prerequisites';

const ROOT = path.resolve(__dirname, '../..');

/** The variable the global setup leaves for the suites (workers inherit it) when it could not start the server. */
export const S3_UNAVAILABLE = 'HUB_EXPORTS_LOCAL_S3_UNAVAILABLE';

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
  const envFile = localS3EnvFile();
  if (!fs.existsSync(envFile)) return false;
  const endpoint = /^AWS_ENDPOINT_URL_S3=(.*)$/m.exec(fs.readFileSync(envFile, 'utf8'))?.[1];
  if (!endpoint) return false;
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

/** What the S3 suites lack when the server could not start, `reason` being start.sh's own words. */
export const s3StartFailed = (reason: string): Missing => ({
  what: `npm run s3:start could not start the local S3 server: ${reason}`,
  fix: `fix that and run it again (its logs are in ${localS3Dir()})`,
});

/** start.sh's verdict in one line: its ERROR line (the log tails under it are in the logs), else its last line. */
function oneLine(r: ReturnType<typeof spawnSync>, output: string): string {
  const error = /^local-s3: ERROR: (.*)$/m.exec(output)?.[1];
  if (error) return error;
  if (r.error) return r.error.message;
  return `exit ${r.status ?? r.signal}, ${output.split('\n').pop() || 'no output'}`;
}

/** Runs start.sh; undefined when the server is up, else why not in one line. */
function startServer(): string | undefined {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/local-s3/start.sh')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 || !fs.existsSync(localS3EnvFile())) return oneLine(r, output);
  process.stdout.write(`\n${output.split('\n').pop()}\n`);
  // A server another run started (busy, so it answered slowly above) is that run's to stop, not ours.
  if (!/already running/.test(output)) (globalThis as { hubExportsStartedS3?: boolean }).hubExportsStartedS3 = true;
  return undefined;
}

/**
 * Starts the local S3 server (Ceph RGW; the script installs it when missing and it can) once per jest run. A server
 * already running is used and left running. One that cannot start fails the run in CI (scripts/ci.ts), with one
 * sentence; elsewhere each S3 suite skips, saying why in one line.
 */
export default async function globalSetup(globalConfig: GlobalConfig): Promise<void> {
  if (!wanted(globalConfig) || (await running())) return;
  const reason = startServer();
  if (!reason) return;
  if (isCI()) throw ciFailure('The S3 suites', s3StartFailed(reason));
  process.env[S3_UNAVAILABLE] = reason;
}
