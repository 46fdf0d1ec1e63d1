import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDatasets } from '../config';
import { DEFAULT_SETTINGS } from '../naming';

/**
 * Every file of the corpus states, in its leading comments, what the validator must say about it:
 *   `# valid`, or one `# expect: LINE:COLUMN FIELD | words the message must contain` per problem.
 * The expectations were written from the rules in the issue, by hand, before running the validator.
 */
const CORPUS = path.join(__dirname, 'fixtures', 'corpus');
const files = ['push_datasets', 'pull_datasets'].flatMap((dir) =>
  fs.readdirSync(path.join(CORPUS, dir)).map((f) => path.join(dir, f)),
);

interface Expectation {
  line: number;
  column: number;
  field: string;
  words: string;
}

function expectations(file: string): Expectation[] | 'valid' {
  const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
  if (/^# valid\b/.test(text)) return 'valid';
  return [...text.matchAll(/^# expect: (\d+):(\d+) (\S*) +\| (.+)$/gm)].map((m) => ({
    line: Number(m[1]),
    column: Number(m[2]),
    field: m[3],
    words: m[4],
  }));
}

test('the corpus has at least 40 files, valid and invalid, of both kinds', () => {
  const kinds = files.map((f) => `${path.dirname(f)} ${expectations(f) === 'valid' ? 'valid' : 'invalid'}`);
  expect(files.length).toBeGreaterThanOrEqual(40);
  expect(new Set(kinds)).toEqual(
    new Set(['push_datasets valid', 'push_datasets invalid', 'pull_datasets valid', 'pull_datasets invalid']),
  );
});

describe.each(files)('%s', (file) => {
  const expected = expectations(file);
  const { problems, datasets } = loadDatasets([file], { settings: DEFAULT_SETTINGS, cwd: CORPUS });

  if (expected === 'valid') {
    test('is valid and decoded', () => {
      expect(problems).toEqual([]);
      expect(datasets.push.length + datasets.pull.length).toBe(1);
    });
    return;
  }

  test('states at least one expectation', () => expect(expected.length).toBeGreaterThan(0));

  test('gets exactly the expected problems, at the expected places', () => {
    const found = problems.map((p) => ({ file: p.file, line: p.line, column: p.column, field: p.field }));
    const want = expected.map(({ line, column, field }) => ({ file, line, column, field }));
    const order = (a: Expectation | (typeof found)[0], b: Expectation | (typeof found)[0]) =>
      a.line - b.line || a.column - b.column;
    expect(found.sort(order)).toEqual(want.sort(order));
  });

  test.each(expected)('says "$words" at $line:$column', ({ line, column, words }) => {
    const messages = problems.filter((p) => p.line === line && p.column === column).map((p) => p.message);
    expect(messages.join('\n')).toContain(words);
  });

  test('yields no dataset', () => expect(datasets.push.length + datasets.pull.length).toBe(0));
});

test('an unquoted account ID keeps its leading zero (YAML alone would read the number 12345678901)', () => {
  const file = 'push_datasets/bucket_owner_leading_zero.yaml';
  const { datasets } = loadDatasets([file], { settings: DEFAULT_SETTINGS, cwd: CORPUS });
  expect(datasets.push.map((d) => d.bucket_owner)).toEqual(['012345678901']);
});
