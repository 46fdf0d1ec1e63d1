import { App } from 'cdktf';
import { datasetsRoot, formatProblem, loadDatasets } from './config';
import { DEFAULT_SETTINGS } from './naming';
import { buildApp } from './stacks/app';

// Validation comes first: a single invalid dataset file stops synthesis before anything is written.
const settings = DEFAULT_SETTINGS;
const { datasets, problems } = loadDatasets([datasetsRoot()], { settings });
if (problems.length > 0) {
  for (const p of problems) console.error(formatProblem(p));
  console.error(`\nNothing was synthesized: fix the ${problems.length} problem(s) above (npm run validate checks again).`);
  process.exit(1);
}
const app = buildApp(new App(), datasets, settings);
app.synth();
