import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cliConfigFor } from './terraform-cli-config';

/**
 * `npm run cdktf -- <command>` and `npm run synth`: the cdktf CLI, quiet. Without CHECKPOINT_DISABLE it asks
 * checkpoint-api.hashicorp.com for news on every command and, offline, prints an `[ERROR]` that is only that; with a
 * TF_CLI_CONFIG_FILE that names no file, terraform complains on every command (scripts/terraform-cli-config.ts).
 */
const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
const config = cliConfigFor(process.env);
if (config) env.TF_CLI_CONFIG_FILE = config;
else delete env.TF_CLI_CONFIG_FILE;

const cli = path.join(__dirname, '..', 'node_modules', '.bin', 'cdktf');
const run = spawnSync(cli, process.argv.slice(2), { stdio: 'inherit', env });
if (run.error) throw run.error;
process.exitCode = run.status ?? 1;
