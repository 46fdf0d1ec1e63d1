import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { PROJECT_ROOT } from '../config';

/**
 * The layout's promises, checked on the import graph of the code (tests excluded): no import cycle, type-only imports
 * included; each island imports only what the README's layout table says it knows.
 */
const ISLANDS = ['config', 'naming', 'settings', 'stacks', 'functions', 'describe', 'bin', 'packaging', 'scripts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const files = [...ISLANDS.flatMap((d) => sourceFiles(path.join(PROJECT_ROOT, d))), path.join(PROJECT_ROOT, 'main.ts')];
const rel = (p: string) => path.relative(PROJECT_ROOT, p);

/** Each file's imports: project files (resolved) and packages (by name), from TypeScript's own scanner. */
const graph = new Map(
  files.map((file) => {
    const specifiers = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((i) => i.fileName);
    const local = specifiers.filter((s) => s.startsWith('.')).map((s) => resolveLocal(file, s));
    const packages = specifiers.filter((s) => !s.startsWith('.'));
    return [file, { local, packages }] as const;
  }),
);

function resolveLocal(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => fs.statSync(c, { throwIfNoEntry: false })?.isFile());
  if (!found) throw new Error(`${rel(from)}: cannot resolve "${specifier}"`);
  return found;
}

function cycles(): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file)?.local ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next].map(rel).join(' → '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

/** Imports of files under `island/` that break `allowed` (a project file's folder, or a package name). */
function breaches(island: string, allowed: { folders: string[]; packages: RegExp }): string[] {
  return files
    .filter((f) => rel(f).startsWith(`${island}/`))
    .flatMap((file) => {
      const { local, packages } = graph.get(file)!;
      const badLocal = local.filter((l) => !allowed.folders.includes(rel(l).split('/')[0]));
      const badPackages = packages.filter((p) => !allowed.packages.test(p));
      return [...badLocal.map(rel), ...badPackages].map((what) => `${rel(file)} imports ${what}`);
    });
}

test('the import graph was read (the checks below cannot pass on nothing)', () => {
  expect(files.length).toBeGreaterThan(60);
  expect(graph.get(path.join(PROJECT_ROOT, 'functions/exporter/handler.ts'))?.local.length).toBeGreaterThan(3);
});

test('no import cycle anywhere, type-only imports included', () => {
  expect(cycles()).toEqual([]);
});

test('config/ knows YAML and names, nothing of stacks, the exporter or the CLI', () => {
  expect(breaches('config', { folders: ['config', 'naming'], packages: /^(io-ts|js-yaml|fastest-levenshtein|node:(fs|path))$/ })).toEqual([]);
});

test('naming/ is the shared layer: it imports nothing but itself', () => {
  expect(breaches('naming', { folders: ['naming'], packages: /^$/ })).toEqual([]);
});

test('functions/ knows nothing of cdktf, YAML or io-ts: only the naming layer and the AWS SDK', () => {
  expect(breaches('functions', { folders: ['functions', 'naming'], packages: /^(@aws-sdk\/|aws-lambda$|node:)/ })).toEqual([]);
});

test('stacks/ turns values into constructs and knows no files', () => {
  const allowed = { folders: ['stacks', 'naming', 'config', 'settings', 'packaging'], packages: /^(cdktf|constructs|@cdktf\/provider-aws\/lib\/)/ };
  expect(breaches('stacks', allowed)).toEqual([]);
});

test('the check reports what it exists for: a cycle and a breach in a graph with one', () => {
  const handler = path.join(PROJECT_ROOT, 'functions/exporter/handler.ts');
  const names = path.join(PROJECT_ROOT, 'naming/names.ts');
  const saved = graph.get(names)!;
  try {
    graph.set(names, { local: [...saved.local, handler], packages: [...saved.packages, 'cdktf'] });
    expect(cycles().some((c) => c.includes('naming/names.ts → functions/exporter/handler.ts'))).toBe(true);
    expect(breaches('naming', { folders: ['naming'], packages: /^$/ })).toEqual([
      'naming/names.ts imports functions/exporter/handler.ts',
      'naming/names.ts imports cdktf',
    ]);
  } finally {
    graph.set(names, saved);
  }
});
