import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validate } from '../bin/validate';

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
