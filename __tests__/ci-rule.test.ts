import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { isCI } from '../scripts/ci';
import { S3_UNAVAILABLE } from './exporter/global-setup';
import { runOrSkip } from './helpers/prerequisites';

/**
 * Issue 15's rule, end to end: what "CI" means (scripts/ci.ts), that every check of it goes through that one
 * function, and what a suite lacking a prerequisite does. jest runs in a child process on real suites: in CI (CI=1,
 * not only CI=true) the run fails with one sentence; elsewhere the suite skips and says so in one line. Only
 * 127.0.0.1 is involved: the S3 case holds the server's ports itself and points start.sh at an empty directory, so
 * the running server is never touched.
 */

test.each([
  [undefined, false],
  ['', false],
  ['0', false],
  ['false', false],
  [' FALSE ', false],
  ['true', true],
  ['1', true],
  ['yes', true],
  ['woodpecker', true],
])('CI=%p means CI: %p', (value, expected) => {
  expect(isCI(value === undefined ? {} : { CI: value })).toBe(expected);
});

/** Every .ts, .js and .sh file of the repository outside node_modules and generated output. */
function sourceFiles(dir: string): string[] {
  const skip = new Set(['node_modules', 'cdktf.out', '.local-s3', '.git']);
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return skip.has(e.name) ? [] : sourceFiles(p);
    return /\.(ts|js|sh)$/.test(e.name) ? [p] : [];
  });
}

test('nothing reads the CI variable but scripts/ci.ts', () => {
  const reads = /\benv\.CI\b|env\[['"]CI['"]\]|\$\{?CI\b/;
  const readers = sourceFiles(PROJECT_ROOT)
    .filter((f) => reads.test(fs.readFileSync(f, 'utf8')))
    .map((f) => path.relative(PROJECT_ROOT, f));
  expect(readers.sort()).toEqual(['__tests__/ci-rule.test.ts', 'scripts/ci.ts']);
});

describe('runOrSkip, in this process', () => {
  const saved = process.env.CI;
  afterEach(() => (saved === undefined ? delete process.env.CI : (process.env.CI = saved)));
  const missing = { what: 'the frobnicator is not on PATH', fix: 'install it' };

  test('in CI a missing prerequisite throws one sentence, with no stack under it', () => {
    process.env.CI = '1';
    let thrown: Error | undefined;
    try {
      runOrSkip(missing, 'x.test.ts');
    } catch (e) {
      thrown = e as Error;
    }
    expect(thrown?.message).toBe('x.test.ts cannot run in CI: the frobnicator is not on PATH; install it.');
    expect(thrown?.stack).toBe(thrown?.message);
  });

  test('elsewhere it writes one line and says skip; with nothing missing it says run, silently', () => {
    delete process.env.CI;
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(runOrSkip(missing, 'x.test.ts')).toBe(false);
      expect(runOrSkip(undefined, 'x.test.ts')).toBe(true);
      expect(write.mock.calls).toEqual([['skip x.test.ts: the frobnicator is not on PATH; install it.\n']]);
    } finally {
      write.mockRestore();
    }
  });
});

/** jest on the suites `pattern` selects, in a child process: its exit status and everything it printed. */
function jestChild(pattern: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  const jestBin = path.join(PROJECT_ROOT, 'node_modules/jest/bin/jest.js'); // not in jest's exports
  const args = [jestBin, '--runInBand', '--testPathPatterns', pattern];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: PROJECT_ROOT, env, timeout: 90_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, output: `${stdout}${stderr}` });
    });
  });
}

/** The parent's environment without anything that decides the child's answer. */
function baseEnv(ci: boolean, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.CI;
  delete env[S3_UNAVAILABLE];
  if (ci) env.CI = '1';
  return env;
}

const listen = (): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

/** A failed run shows the sentence and none of jest's stack lines or code frames. */
function expectOneSentence(output: string, sentence: string): void {
  expect(output).toContain(sentence);
  expect(output).not.toMatch(/^\s+at |^\s*> \d+ \|/m);
}

/** A skipped suite says so in exactly one line, and nothing of console.warn's frame. */
function expectOneSkipLine(output: string, line: string): void {
  expect(output.split('\n').filter((l) => l.startsWith('skip '))).toEqual([line]);
  expect(output).not.toMatch(/console\.(warn|log)|^\s+at /m);
}

const STOP = path.join(PROJECT_ROOT, 'scripts/local-s3/stop.sh');

describe('a missing prerequisite, jest in a child process', () => {
  const suite = '__tests__/exporter/create-only.s3.test.ts';
  let ports: net.Server[] = [];
  let dir: string;
  let emptyPath: string;
  let s3Env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ports = [await listen(), await listen()];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-ci-rule-'));
    emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-no-terraform-'));
    s3Env = { LOCAL_S3_DIR: dir, LOCAL_S3_PORT: String(portOf(ports[0])), LOCAL_S3_MON_PORT: String(portOf(ports[1])) };
  });
  afterAll(() => {
    // Had start.sh got past the port check, its cluster would live in `dir` alone: stop.sh stops only that one.
    if (fs.existsSync(path.join(dir, 'run'))) spawnSync('bash', [STOP], { env: { ...process.env, LOCAL_S3_DIR: dir } });
    for (const p of ports) p.close();
    for (const d of [dir, emptyPath]) fs.rmSync(d, { recursive: true, force: true });
  });

  const busy = () =>
    `npm run s3:start could not start the local S3 server: port 127.0.0.1:${s3Env.LOCAL_S3_PORT} is in use ` +
    `(set LOCAL_S3_PORT / LOCAL_S3_MON_PORT); fix that and run it again (its logs are in ${dir}).`;

  test('S3 port busy with CI=1: the run fails, saying what and how to fix it', async () => {
    const run = await jestChild('create-only\\.s3\\.test\\.ts$', baseEnv(true, s3Env));
    expect(run.status).toBe(1);
    expectOneSentence(run.output, `The S3 suites cannot run in CI: ${busy()}`);
    expect(fs.readdirSync(dir).filter((f) => f !== '.lock')).toEqual([]);
  });

  test('S3 port busy outside CI: the suite skips with one line naming it and why', async () => {
    const run = await jestChild('create-only\\.s3\\.test\\.ts$', baseEnv(false, s3Env));
    expectOneSkipLine(run.output, `skip ${suite}: ${busy()}`);
    expect(run.status).toBe(0);
  });

  const noTerraform = () => ({ PATH: emptyPath });
  const terraformMissing =
    'terraform is not on PATH; install Terraform 1.11 (the machine image has it) or add it to PATH.';

  test('terraform missing with CI=1: the suite fails with one sentence', async () => {
    const run = await jestChild('plan-against\\.test\\.ts$', baseEnv(true, noTerraform()));
    expect(run.status).toBe(1);
    expectOneSentence(run.output, `__tests__/plan-against.test.ts cannot run in CI: ${terraformMissing}`);
  });

  test('terraform missing outside CI: one line, and the rest of the suite still runs', async () => {
    const run = await jestChild('plan-against\\.test\\.ts$', baseEnv(false, noTerraform()));
    expectOneSkipLine(run.output, `skip __tests__/plan-against.test.ts: ${terraformMissing}`);
    expect(run.output).toMatch(/Tests: +2 skipped, 1 passed, 3 total/);
    expect(run.status).toBe(0);
  });
});
