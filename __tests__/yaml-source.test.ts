import { parseYaml, YamlSyntaxError } from '../config/yaml-source';
import { closest } from '../config/codec';
import { githubAnnotation } from '../config/problem';

describe('parseYaml locates keys and values', () => {
  const source = [
    '# comment',
    'name: demo',
    'users:',
    '  - alpha_user_a',
    "  - 'alpha_user_b'",
    'nested:',
    '  deeper: {flow: [1, 2]}',
    'empty:',
    'anchor: &a x',
    'alias: *a',
  ].join('\n');
  const doc = parseYaml(source, 'demo.yaml');

  test.each([
    [['name'], 'value', 2, 7],
    [['name'], 'key', 2, 1],
    [['users', 0], 'value', 4, 5],
    [['users', 1], 'value', 5, 5], // the quote, not the text inside it
    [['nested', 'deeper', 'flow', 1], 'value', 7, 22],
    [['nested', 'deeper'], 'key', 7, 3],
    [['empty'], 'value', 8, 1], // an empty value points at its key
    [['alias'], 'value', 10, 8],
    [['missing'], 'value', 2, 1], // absent: the enclosing mapping
    [['users', 7], 'value', 4, 3], // absent item: the list
  ] as const)('%j %s at %i:%i', (p, part, line, column) => {
    expect(doc.locate(p, part)).toEqual({ line, column });
  });

  test('the value is the parsed document', () => {
    expect(doc.value).toMatchObject({ name: 'demo', users: ['alpha_user_a', 'alpha_user_b'], alias: 'x' });
  });

  test('syntax errors carry a 1-based position', () => {
    expect(() => parseYaml('a: 1\nb: [1\n', 'x.yaml')).toThrow(YamlSyntaxError);
    try {
      parseYaml('a: 1\na: 2\n', 'x.yaml');
    } catch (e) {
      expect((e as YamlSyntaxError).position).toEqual({ line: 2, column: 1 });
      expect((e as YamlSyntaxError).reason).toContain('duplicated mapping key');
    }
    expect.assertions(3);
  });
});

describe('closest known key', () => {
  const keys = ['name', 'bucket', 'users', 'paperwork', 'keep_files', 'transfer'];
  test.each([
    ['target_bucket', 'bucket'],
    ['bucket_name', 'bucket'],
    ['usres', 'users'],
    ['user', 'users'],
    ['Keep-Files', 'keep_files'],
    ['keepfiles', 'keep_files'],
    ['paper_work', 'paperwork'],
    ['dpia', undefined],
    ['owner', undefined],
  ])('%s → %s', (typed, want) => expect(closest(typed, keys)).toBe(want));
});

test('annotation data and properties are escaped as GitHub requires', () => {
  const line = githubAnnotation({ file: 'a,b:c.yaml', line: 3, column: 4, field: 'x', message: '100% wrong\nreally' });
  expect(line).toBe('::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=Invalid dataset field x::100%25 wrong%0Areally');
});
