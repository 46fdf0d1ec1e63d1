/**
 * A located validation problem: what a person must fix, and where. Every check in config/ ends in one of these.
 */
export interface Problem {
  /** As given to the loader (relative to the working directory when it was). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Dotted path of the field (`users[1]`), or '' for the file as a whole. */
  readonly field: string;
  /** A sentence: what was expected, what was found, and how to fix it where we can tell. */
  readonly message: string;
}

export const byLocation = (a: Problem, b: Problem): number =>
  a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.field.localeCompare(b.field);

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

/**
 * GitHub workflow command, so the problem shows inline on the pull request. Data and property values are escaped as
 * the runner expects (https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts).
 */
export function githubAnnotation(p: Problem): string {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const title = p.field ? `Invalid dataset field ${p.field}` : 'Invalid dataset file';
  return `::error file=${prop(p.file)},line=${p.line},col=${p.column},title=${prop(title)}::${data(p.message)}`;
}

/** `users[1]`, `pull_arns[0]`, `bucket`. */
export function fieldName(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    '',
  );
}

/** How a found value reads in a message: short, unambiguous, and in YAML terms rather than JavaScript's. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return value.length > 80 ? `"${value.slice(0, 77)}..."` : JSON.stringify(value);
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (Array.isArray(value)) return `a list ${truncate(JSON.stringify(value))}`;
  if (typeof value === 'object') return `a mapping ${truncate(JSON.stringify(value))}`;
  return String(value);
}

const truncate = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
