import * as path from 'node:path';

export * from './datasets';
export { loadDatasets, UsageError, type LoadResult, type LoadOptions } from './load';
export { formatProblem, githubAnnotation, type Problem } from './problem';

/** The repository root, where push_datasets/ and pull_datasets/ live unless EXPORTS_DATASETS_DIR says otherwise. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

export function datasetsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.EXPORTS_DATASETS_DIR ? path.resolve(env.EXPORTS_DATASETS_DIR) : PROJECT_ROOT;
}
