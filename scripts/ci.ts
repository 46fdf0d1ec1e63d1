/**
 * What "CI" means for every suite and script of this repository, in one place: the CI variable set to anything but
 * "", "0" or "false" (any case, spaces ignored). That is the convention of the ci-info and is-ci packages, which
 * CI services follow (GitHub Actions sets CI=true; people type CI=1). In CI a suite never skips: a missing
 * prerequisite fails the run.
 */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}
