import * as path from 'node:path';

/**
 * Where start.sh keeps the local S3 server's state and writes its env file: LOCAL_S3_DIR when set (start.sh and
 * stop.sh read the same variable), else `.local-s3/` at the repository root.
 */
export function localS3Dir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LOCAL_S3_DIR || path.resolve(__dirname, '../../.local-s3'));
}

/** The `KEY=value` file start.sh writes once the server answers: endpoint, region, the two users' keys. */
export const localS3EnvFile = (env: NodeJS.ProcessEnv = process.env): string => path.join(localS3Dir(env), 'env');
