import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validate } from '../bin/validate';
import { PROJECT_ROOT } from '../config';

/** Runs the CLI in-process and captures what a person would see. */
function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = validate(argv, env, (l) => out.push(l), (l) => err.push(l));
  return { status, out: out.join('\n'), err: err.join('\n') };
}

function tempRoot(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-'));
  fs.mkdirSync(path.join(root, 'push_datasets'));
  fs.mkdirSync(path.join(root, 'pull_datasets'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  return root;
}

const goodPush = (name: string) =>
  `name: ${name}\nbucket: receiver-landing\nusers:\n  - alpha_user_a\npaperwork: DPIA-1\nbucket_owner: "111122223333"\n`;
const goodPull = (name: string) =>
  `name: ${name}\nusers:\n  - alpha_user_a\npaperwork: DPIA-1\npull_arns:\n  - arn:aws:iam::123456789012:role/r\n`;

test("the repository's own datasets are valid", () => {
  const r = run([]);
  expect(r.status).toBe(0);
  expect(r.out).toMatch(/^\d+ dataset files valid: \d+ push \(.+\), \d+ pull \(.+\); checked in \d+ ms\.$/);
});

test('EXPORTS_DATASETS_DIR selects another root, and a valid root exits 0 with a one-line summary', () => {
  const root = tempRoot({ 'push_datasets/alpha.yaml': goodPush('alpha'), 'pull_datasets/beta.yaml': goodPull('beta') });
  const r = run([], { EXPORTS_DATASETS_DIR: root });
  expect(r.status).toBe(0);
  expect(r.out.split('\n')).toHaveLength(1);
  expect(r.out).toContain('2 dataset files valid: 1 push (alpha), 1 pull (beta)');
});

test('every problem of every file is reported in one run, sorted by file and line, and exits 1', () => {
  const root = tempRoot({
    'push_datasets/b.yaml': goodPush('b').replace('receiver-landing', 'arn:aws:s3:::receiver-landing'),
    'push_datasets/a.yaml': goodPush('a').replace('alpha_user_a', 'bob').replace('DPIA-1', '<<dpia>>'),
    'pull_datasets/c.yml': goodPull('c'),
  });
  const r = run([root]);
  expect(r.status).toBe(1);
  const lines = r.out.split('\n').filter((l) => l.includes('.y'));
  const rel = (f: string) => path.join(root, f);
  expect(lines.map((l) => l.split(': ')[0])).toEqual([
    `${rel('pull_datasets/c.yml')}:1:1`,
    `${rel('push_datasets/a.yaml')}:4:5`,
    `${rel('push_datasets/a.yaml')}:5:12`,
    `${rel('push_datasets/b.yaml')}:2:9`,
  ]);
  expect(r.out).toContain('4 problems in 3 of 3 files.');
  expect(r.out).not.toMatch(/at .*\.ts:\d+/); // no stack trace
});

test('with GITHUB_ACTIONS=true problems are also printed as workflow annotations', () => {
  const root = tempRoot({ 'push_datasets/a.yaml': goodPush('a').replace('alpha_user_a', 'bob') });
  const r = run([path.join(root, 'push_datasets')], { GITHUB_ACTIONS: 'true' });
  expect(r.status).toBe(1);
  const annotation = r.out.split('\n').find((l) => l.startsWith('::error '));
  expect(annotation).toBe(
    `::error file=${path.join(root, 'push_datasets/a.yaml')},line=4,col=5,title=Invalid dataset field users[0]::` +
      'expected a platform username such as "alpha_user_jbloggs", found "bob": platform usernames start with "alpha_user_"',
  );
  expect(run([root]).out).not.toContain('::error');
});

test('the same dataset name in two roots is refused, naming the first file', () => {
  const one = tempRoot({ 'push_datasets/same.yaml': goodPush('same') });
  const two = tempRoot({ 'push_datasets/same.yaml': goodPush('same') });
  const r = run([one, two]);
  expect(r.status).toBe(1);
  expect(r.out).toContain(`${path.join(two, 'push_datasets/same.yaml')}:1:7: name: "same" is already used by ${path.join(one, 'push_datasets/same.yaml')}`);
});

test('a push and a pull dataset of one name are refused at both files, each naming the other', () => {
  const root = tempRoot({ 'push_datasets/same.yaml': goodPush('same'), 'pull_datasets/same.yaml': goodPull('same') });
  const r = run([root]);
  expect(r.status).toBe(1);
  const [push, pull] = ['push_datasets/same.yaml', 'pull_datasets/same.yaml'].map((f) => path.join(root, f));
  const shared = 'push and pull datasets share one set of names';
  expect(r.out).toContain(`${push}:1:7: name: the name "same" is also used by ${pull}: ${shared}`);
  expect(r.out).toContain(`${pull}:1:7: name: the name "same" is also used by ${push}: ${shared}`);
  expect(r.out).toContain('2 problems in 2 of 2 files.');
});

test('a file name with capitals gets one message, and doing what it says makes the file valid', () => {
  const root = tempRoot({ 'push_datasets/Youth_Custody.yaml': goodPush('Youth_Custody') });
  const first = run([root]);
  expect(first.status).toBe(1);
  expect(first.out.split('\n')[0]).toBe(
    `${path.join(root, 'push_datasets/Youth_Custody.yaml')}:1:7: name: expected the file to be named after the dataset ` +
      '(lower case letters, digits and underscores, starting with a letter, then ".yaml"), found the file name ' +
      '"Youth_Custody.yaml": rename the file to "youth_custody.yaml" and write "name: youth_custody"',
  );
  expect(first.out).toContain('1 problem in 1 of 1 file.');
  const [, file, name] = first.out.match(/rename the file to "(.+?)" and write "name: (.+?)"/)!;
  fs.renameSync(path.join(root, 'push_datasets/Youth_Custody.yaml'), path.join(root, 'push_datasets', file));
  fs.writeFileSync(path.join(root, 'push_datasets', file), goodPush(name));
  expect(run([root]).status).toBe(0);
});

test('relative paths are read from where npm was run (INIT_CWD), and problems still name files as before', () => {
  const inPush = path.join(PROJECT_ROOT, 'push_datasets');
  const fromPush = run(['hmpps_probation_outcomes.yaml', '../pull_datasets'], { INIT_CWD: inPush });
  expect(fromPush.status).toBe(0);
  expect(fromPush.out).toContain('2 dataset files valid: 1 push (hmpps_probation_outcomes), 1 pull (prison_population_daily)');
  // Not from the process's directory (npm's: the package root).
  expect(run(['push_datasets'], { INIT_CWD: inPush }).err).toContain('push_datasets: no such file or directory');
  // Files are named relative to the process's directory, as before: under npm, the repository root.
  const corpus = path.join(__dirname, 'fixtures', 'corpus', 'push_datasets');
  const capitals = run(['name_capitals.yaml'], { INIT_CWD: corpus });
  expect(capitals.out).toContain(`${path.relative(process.cwd(), corpus)}/name_capitals.yaml:2:7: name:`);

  const root = tempRoot({ 'push_datasets/a.yaml': goodPush('a').replace('alpha_user_a', 'bob') });
  const r = run(['push_datasets/a.yaml'], { INIT_CWD: root });
  expect(r.status).toBe(1);
  expect(r.out).toContain(`${path.join(root, 'push_datasets/a.yaml')}:4:5: users[0]:`);
  // Without INIT_CWD (run directly, not through npm), from the process's directory.
  expect(run(['push_datasets/hmpps_probation_outcomes.yaml']).status).toBe(0);
});

test('a folder inside a dataset folder is refused by name', () => {
  const root = tempRoot({ 'push_datasets/a.yaml': goodPush('a') });
  fs.mkdirSync(path.join(root, 'push_datasets', 'old'));
  const r = run([root]);
  expect(r.status).toBe(1);
  expect(r.out).toContain(`${path.join(root, 'push_datasets/old')}:1:1: only dataset files belong in push_datasets/`);
});

test.each([
  [['--nope'], "Unknown option '--nope'"],
  [['/no/such/place'], '/no/such/place: no such file or directory'],
  [[fs.mkdtempSync(path.join(os.tmpdir(), 'empty-'))], 'holds neither push_datasets/ nor pull_datasets/'],
  [[__filename], 'not in push_datasets/ or pull_datasets/, so its kind is unknown'],
])('usage error %j exits 2 and says why', (argv, words) => {
  const r = run(argv);
  expect(r.status).toBe(2);
  expect(r.err).toContain(words);
  expect(r.out).toBe('');
});

test('--help prints usage and exits 0', () => {
  const r = run(['--help']);
  expect(r.status).toBe(0);
  expect(r.out).toContain('usage: npm run validate');
});
