import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PROJECT_ROOT } from '../config';
import type { Settings } from '../settings';
import { loadSettings } from '../settings/load';

/**
 * What every command-line tool here shares: `--help`, usage errors (exit 2) with the usage text, and the platform
 * settings that synth would use. Each tool takes its streams as arguments so tests run it in-process.
 */
export type Print = (text: string) => void;

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed command line, or the exit status when it was `--help` (0) or a usage error (2). */
export function commandLine<O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
  out: Print,
  err: Print,
  check: (positionals: string[]) => void = () => undefined,
) {
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if ((parsed.values as { help?: boolean }).help) {
      out(usage);
      return 0;
    }
    check(parsed.positionals);
    return parsed;
  } catch (e) {
    err(`${(e as Error).message}\n\n${usage}`);
    return 2;
  }
}

/** Settings as synth resolves them, or undefined after saying why (the caller exits 2). */
export function settingsFor(tool: string, env: NodeJS.ProcessEnv, err: Print): Settings | undefined {
  const { settings, problems } = loadSettings(PROJECT_ROOT, env);
  if (!settings) err(`${tool}: the platform settings are invalid:\n${problems.join('\n')}`);
  return settings;
}

/** Runs a checkout's own app command (cdktf.json "app"), as `cdktf synth` would, into `outdir`. */
export function synthApp(checkout: string, outdir: string, env: NodeJS.ProcessEnv = process.env): void {
  const app = (JSON.parse(fs.readFileSync(path.join(checkout, 'cdktf.json'), 'utf8')) as { app: string }).app;
  const r = spawnSync(app, { cwd: checkout, env: { ...env, CDKTF_OUTDIR: outdir }, shell: true, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`synthesis of ${checkout} failed:\n${r.stderr || r.stdout}`);
}
