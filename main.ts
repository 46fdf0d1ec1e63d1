import * as path from 'node:path';
import { App } from 'cdktf';
import { PROJECT_ROOT, datasetsRoot, formatProblem, loadDatasets } from './config';
import { loadSettings } from './settings/load';
import { bundleLambda } from './packaging/lambda-bundle';
import { buildApp } from './stacks/app';

/** Settings and dataset files are checked before anything is built or written; any problem stops synthesis. */
function fail(lines: string[], summary: string): never {
  for (const line of lines) console.error(line);
  console.error(`\nNothing was synthesized: ${summary}`);
  process.exit(1);
}

const { settings, problems: settingProblems } = loadSettings(PROJECT_ROOT);
if (!settings) fail(settingProblems, 'fix the settings above (see "Settings" in README.md).');

const { datasets, problems } = loadDatasets([datasetsRoot()], { settings: settings.platform });
if (problems.length > 0) {
  fail(problems.map(formatProblem), `fix the ${problems.length} problem(s) above (npm run validate checks again).`);
}

const app = new App();
const artifact = bundleLambda({
  entry: 'functions/exporter/handler.ts',
  projectRoot: PROJECT_ROOT,
  outDir: path.join(app.outdir, 'build'),
});
buildApp(app, datasets, settings, artifact).synth();
