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

describe('syntax errors say what to do, where', () => {
  const error = (source: string) => {
    try {
      parseYaml(source, 'x.yaml');
    } catch (e) {
      if (e instanceof YamlSyntaxError) return { at: e.position, message: e.message, path: e.path };
      throw e;
    }
    throw new Error('parsed');
  };

  test.each([
    ['a: 1\nusers: [x]\nb: 2\nusers: [y]\n', 4, 1, ['users'], 2],
    ["a:\n  b: 1\n  'b': 2\n", 3, 3, ['a', 'b'], 2],
    ['l:\n  - k: 1\n    k: 2\n', 3, 5, ['l', 0, 'k'], 2],
  ] as const)('a duplicated key names the key and its first line: %j', (source, line, column, path, first) => {
    const key = JSON.stringify(path[path.length - 1]);
    expect(error(source)).toEqual({
      at: { line, column },
      message: `not valid YAML: ${key} is given twice: first on line ${first}; keep one`,
      path,
    });
  });

  test.each([
    ['a:\n\tb: 1\n', 2, 1], // the parser's own "tab characters must not be used in indentation"
    ['a:\n  b: 1\n  \tc: 2\n', 3, 3], // after spaces: at the tab
    ['\tname: x\n', 1, 1], // the parser says "end of the stream or a document separator is expected"
    ['a: [1,\n\t2]\n', 2, 1], // the parser says "deficient indentation"
  ] as const)('a tab in the indentation is shown where it is: %j', (source, line, column) => {
    expect(error(source)).toEqual({
      at: { line, column },
      message: 'YAML does not allow tabs for indentation: use spaces',
      path: [],
    });
  });

  test("tabs elsewhere are fine, and other errors keep the parser's words", () => {
    expect(parseYaml('a: 1\t\n\t# note\nb: 2\n', 'x.yaml').value).toEqual({ a: 1, b: 2 });
    expect(error('a: 1\nb: [1\n').message).toMatch(/^not valid YAML: /);
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
