import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveSettings, type Settings } from './index';

/**
 * Settings as every entry point sees them: cdktf.json "context", then CDKTF_CONTEXT_JSON (which the cdktf CLI sets
 * from cdktf.json, and people set to override it), then HUB_EXPORTS_* variables. So `npm run validate` and
 * `describe` agree with what `cdktf synth` builds.
 */
export function loadSettings(projectRoot: string, env: NodeJS.ProcessEnv = process.env) {
  const configFile = path.join(projectRoot, 'cdktf.json');
  const fromFile = fs.existsSync(configFile)
    ? ((JSON.parse(fs.readFileSync(configFile, 'utf8')) as { context?: Record<string, unknown> }).context ?? {})
    : {};
  const context: Record<string, unknown> = { ...fromFile, ...(JSON.parse(env.CDKTF_CONTEXT_JSON ?? '{}') as object) };
  return resolveSettings(env, (key) => context[key]);
}

export type { Settings };
