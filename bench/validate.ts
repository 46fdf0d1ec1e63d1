/**
 * Validating 1,000 dataset files must take under a second (issue 2). Prints the time of a full validation
 * (read, parse with positions, decode, rules) against a reference measured in the same run: reading the same files
 * and parsing them with plain `js-yaml.load`, the least any YAML validation can cost.
 *
 *   npm run bench:validate [-- COUNT]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { loadDatasets } from '../config';
import { DEFAULT_SETTINGS } from '../naming';

const count = Number(process.argv[2] ?? 1000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-validate-'));
for (const kind of ['push', 'pull']) fs.mkdirSync(path.join(root, `${kind}_datasets`));
for (let i = 0; i < count; i++) {
  const users = ['alpha_user_jbloggs', `alpha_user_u${i}`, 'alpha_user_A-Khan'].map((u) => `  - ${u}`).join('\n');
  if (i % 2 === 0) {
    const name = `push_dataset_${i}`;
    const body = `# generated\nname: ${name}\nbucket: receiver-${i}.example-org\nusers:\n${users}\npaperwork: https://example.org/dpia/${i}\nbucket_owner: "${String(100000000000 + i)}"\nkeep_files: ${i % 4 === 0}\ntransfer: copy\n`;
    fs.writeFileSync(path.join(root, 'push_datasets', `${name}.yaml`), body);
  } else {
    const name = `pull_dataset_${i}`;
    const body = `name: ${name}\nusers:\n${users}\npaperwork: DSA-${i}\npull_arns:\n  - arn:aws:iam::754256621582:role/team/reader-${i}\n  - arn:aws:iam::111122223333:role/other-${i}\nallow_push: false\nbucket_versioning: true\n`;
    fs.writeFileSync(path.join(root, 'pull_datasets', `${name}.yaml`), body);
  }
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function reference() {
  for (const dir of ['push_datasets', 'pull_datasets']) {
    for (const f of fs.readdirSync(path.join(root, dir))) load(fs.readFileSync(path.join(root, dir, f), 'utf8'));
  }
}

let result: ReturnType<typeof loadDatasets> | undefined;
const cold = time(() => (result = loadDatasets([root], { settings: DEFAULT_SETTINGS })));
if (!result || result.problems.length > 0 || result.datasets.push.length + result.datasets.pull.length !== count) {
  throw new Error(`generated files did not validate: ${JSON.stringify(result?.problems.slice(0, 3))}`);
}
const runs = 5;
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const validate = median(Array.from({ length: runs }, () => time(() => loadDatasets([root], { settings: DEFAULT_SETTINGS }))));
const plain = median(Array.from({ length: runs }, () => time(reference)));

console.log(`files validated:           ${count} (${count / 2} push, ${count / 2} pull)`);
console.log(`first run (cold):          ${cold.toFixed(0)} ms`);
console.log(`median of ${runs} runs:          ${validate.toFixed(0)} ms  (${((validate * 1000) / count).toFixed(0)} µs per file)`);
console.log(`reference js-yaml.load:    ${plain.toFixed(0)} ms  (read + parse only)`);
console.log(`ratio to reference:        ${(validate / plain).toFixed(2)}x`);
console.log(`goal (< 1000 ms):          ${cold < 1000 ? 'met' : 'NOT met'}`);
fs.rmSync(root, { recursive: true });
