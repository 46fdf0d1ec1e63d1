import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { changedCommand } from '../bin/changed';

/**
 * `changed` on a throw-away git repository holding a copy of this project: each case commits a base, changes the
 * working tree as a pull request would, and checks the listed stacks.
 */
let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: 'pipe' });

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-repo-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && fs.existsSync(path.join(PROJECT_ROOT, f)));
  for (const f of files) fs.cpSync(path.join(PROJECT_ROOT, f), path.join(repo, f), { recursive: true });
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  git('init', '-q');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
});

afterEach(() => {
  git('reset', '-q', '--hard', 'HEAD');
  git('clean', '-qfd');
});

function changed(ref = 'HEAD') {
  const out: string[] = [];
  const err: string[] = [];
  const status = changedCommand([ref], repo, (t) => out.push(t), (t) => err.push(t));
  return { status, lines: out.join('\n').split('\n').filter(Boolean), err: err.join('\n') };
}

const write = (file: string, text: string) => fs.writeFileSync(path.join(repo, file), text);

test('nothing changed lists nothing', () => {
  const r = changed();
  expect(r.status).toBe(0);
  expect(r.lines).toEqual([]);
  expect(r.err).toMatch(/synthesized the working tree in [\d.]+ s/);
});

test('adding, modifying and removing datasets lists exactly their stacks', () => {
  write('push_datasets/new_export.yaml', 'name: new_export\nbucket: receiver-new\nusers:\n  - alpha_user_a\npaperwork: DPIA-9\nbucket_owner: "111122223333"\n');
  const file = 'pull_datasets/prison_population_daily.yaml';
  write(file, fs.readFileSync(path.join(repo, file), 'utf8').replace('bucket_versioning: true', 'bucket_versioning: false'));
  fs.rmSync(path.join(repo, 'push_datasets/courts_listing_sample.yaml'));
  expect(changed().lines).toEqual([
    'added push-new_export',
    'changed pull-prison_population_daily',
    'removed push-courts_listing_sample',
  ]);
});

test('a comment in a dataset file changes no stack', () => {
  const file = 'push_datasets/hmpps_probation_outcomes.yaml';
  write(file, `${fs.readFileSync(path.join(repo, file), 'utf8')}# reviewed again\n`);
  expect(changed().lines).toEqual([]);
});

test('a change to the exporter code changes the exporter stack and every push stack, and no pull stack', () => {
  const handler = 'functions/exporter/handler.ts';
  write(handler, `${fs.readFileSync(path.join(repo, handler), 'utf8')}\nexport const changedForTest = 'yes';\n`);
  expect(changed().lines).toEqual([
    'changed exporter',
    'changed push-courts_listing_sample',
    'changed push-hmpps_probation_outcomes',
  ]);
});

test('an unknown ref is a usage error', () => {
  const r = changed('no-such-ref');
  expect(r.status).toBe(2);
  expect(r.err).toContain('"no-such-ref" is not a commit');
});
