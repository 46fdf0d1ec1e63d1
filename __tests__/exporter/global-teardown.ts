import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** Stops the local S3 server only when this run's global setup started it. */
export default function globalTeardown(): void {
  if (!(globalThis as { hubExportsStartedS3?: boolean }).hubExportsStartedS3) return;
  spawnSync('bash', [path.resolve(__dirname, '../../scripts/local-s3/stop.sh')], { stdio: 'ignore', timeout: 120_000 });
}
