import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as t from 'io-ts';
import { pullBucketName, type PlatformSettings } from '../naming';
import { isMapping, unknownKey } from './codec';
import { DATASET_FOLDERS, PullDatasetCodec, PushDatasetCodec } from './datasets';
import type { DatasetKind, Datasets, PullDataset, PushDataset } from './datasets';
import { byLocation, fieldName, type Problem } from './problem';
import { nameAndFile, pullRules, pushRules, type RuleViolation } from './rules';
import { YamlSyntaxError, parseYaml, type ParsedYaml, type Path } from './yaml-source';

export interface LoadResult {
  /** Valid datasets only, sorted by name. Use them only when `problems` is empty. */
  readonly datasets: Datasets;
  /** Every problem of every file, sorted by file, line and column. */
  readonly problems: readonly Problem[];
  /** How many files were looked at, including those refused for their name. */
  readonly files: number;
}

/** The arguments do not name anything the loader can read: the caller's mistake, not a dataset's. */
export class UsageError extends Error {}

export interface LoadOptions {
  readonly settings: PlatformSettings;
  /** Paths in problems are shown relative to this directory. Default: the process's. */
  readonly cwd?: string;
  /** Relative targets are read from this directory. Default: `cwd`. */
  readonly from?: string;
}

interface DatasetFile {
  readonly path: string;
  readonly kind: DatasetKind;
}

/**
 * Reads dataset files and returns the valid datasets and every problem found.
 * `targets` are dataset files, dataset folders (`push_datasets/`, `pull_datasets/`) or roots holding them.
 */
export function loadDatasets(targets: readonly string[], options: LoadOptions): LoadResult {
  const cwd = options.cwd ?? process.cwd();
  const shown = (p: string) => {
    const relative = path.relative(cwd, p);
    return relative === '' || relative.startsWith('..') ? p : relative;
  };
  const problems: Problem[] = [];
  let refused = 0;
  const files = collectFiles(targets, options.from ?? cwd, (file, message) => {
    refused++;
    problems.push(fileProblem(shown(file), message));
  });

  const push: Loaded<PushDataset>[] = [];
  const pull: Loaded<PullDataset>[] = [];
  for (const { path: file, kind } of files) {
    const display = shown(file);
    let source: ParsedYaml;
    try {
      source = parseYaml(fs.readFileSync(file, 'utf8'), display);
    } catch (e) {
      if (!(e instanceof YamlSyntaxError)) throw e;
      problems.push({ file: display, ...e.position, field: fieldName(e.path), message: e.message });
      continue;
    }
    const check = <D>(codec: Struct<D>, rules: Rules<D>, into: Loaded<D>[]) => {
      const located = (v: RuleViolation) => locatedProblem(display, source, v.path, 'value', v.message);
      // Whatever else is wrong, and whether or not the name itself is valid: one message on the name and the file's.
      const named = isMapping(source.value) ? nameAndFile(source.value.name, path.basename(file, '.yaml')) : undefined;
      const decoded = codec.decode(asWritten(source, codec.options.asWritten ?? []));
      if (decoded._tag === 'Left') {
        const found = decodeProblems(display, source, decoded.left);
        return problems.push(...(named ? [...found.filter((p) => p.field !== 'name'), located(named)] : found));
      }
      const violations = [...(named ? [named] : []), ...rules(decoded.right, options.settings)];
      if (violations.length === 0) return into.push({ dataset: decoded.right, file: display, source });
      return problems.push(...violations.map(located));
    };
    if (kind === 'push') check(PushDatasetCodec, pushRules, push);
    else check(PullDatasetCodec, pullRules, pull);
  }
  problems.push(
    ...duplicateNames(push),
    ...duplicateNames(pull),
    ...sharedNames(push, pull),
    ...pushIntoPullBucket(push, pull, options.settings),
  );

  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    datasets: { push: push.map((e) => e.dataset).sort(byName), pull: pull.map((e) => e.dataset).sort(byName) },
    problems: problems.sort(byLocation),
    files: files.length + refused,
  };
}

type Loaded<D> = { dataset: D; file: string; source: ParsedYaml };
type Struct<D> = t.Decoder<unknown, D> & { readonly options: { readonly asWritten?: readonly PropertyKey[] } };

/** The document with the given top-level fields' unquoted numbers replaced by their text (see `asWritten`). */
function asWritten(source: ParsedYaml, fields: readonly PropertyKey[]): unknown {
  const value = source.value;
  if (!isMapping(value)) return value;
  const out = { ...value };
  for (const field of fields) {
    const text = typeof field === 'string' && typeof value[field] === 'number' ? source.plainText([field]) : undefined;
    if (text !== undefined) out[field as string] = text;
  }
  return out;
}
type Rules<D> = (dataset: D, settings: PlatformSettings) => RuleViolation[];

/** Dataset names are unique per kind: two files with one name (possible across roots) would share stacks. */
function duplicateNames(entries: Loaded<{ name: string }>[]): Problem[] {
  const first = new Map<string, string>();
  const out: Problem[] = [];
  for (const { dataset, file, source } of entries) {
    const earlier = first.get(dataset.name);
    if (earlier === undefined) first.set(dataset.name, file);
    else {
      const message = `"${dataset.name}" is already used by ${earlier}: two datasets would share stacks; rename one`;
      out.push(locatedProblem(file, source, ['name'], 'value', message));
    }
  }
  return out;
}

/**
 * Push and pull datasets share one set of names: `describe <name>` and the `dataset` tag on every resource of its
 * stack know a dataset by its name alone. Refused at both files.
 */
function sharedNames(push: Loaded<PushDataset>[], pull: Loaded<PullDataset>[]): Problem[] {
  const pullByName = new Map(pull.map((e) => [e.dataset.name, e]));
  const refuse = ({ dataset, file, source }: Loaded<{ name: string }>, other: string) => {
    const message =
      `the name "${dataset.name}" is also used by ${other}: push and pull datasets share one set of names ` +
      '(describe and the "dataset" tag know a dataset by its name alone); rename one of them';
    return locatedProblem(file, source, ['name'], 'value', message);
  };
  return push.flatMap((entry) => {
    const twin = pullByName.get(entry.dataset.name);
    return twin ? [refuse(entry, twin.file), refuse(twin, entry.file)] : [];
  });
}

/**
 * A push target that is one of our pull buckets is in our own account, where the exporter role's identity policy
 * alone would let it write: no receiver would have consented. (The role's policy also refuses same-account targets.)
 */
function pushIntoPullBucket(push: Loaded<PushDataset>[], pull: Loaded<PullDataset>[], s: PlatformSettings): Problem[] {
  const pullBuckets = new Map(pull.map((e) => [pullBucketName(s, e.dataset.name), e.file]));
  return push.flatMap(({ dataset, file, source }) => {
    const owner = pullBuckets.get(dataset.bucket);
    if (owner === undefined) return [];
    const message = `expected a bucket in the receiver's account, found "${dataset.bucket}", the bucket of ${owner}: a pull dataset shares data with its own users`;
    return [locatedProblem(file, source, ['bucket'], 'value', message)];
  });
}

function collectFiles(targets: readonly string[], from: string, refuse: (file: string, msg: string) => void) {
  const files: DatasetFile[] = [];
  const kindOfFolder = (dir: string) =>
    (Object.keys(DATASET_FOLDERS) as DatasetKind[]).find((k) => DATASET_FOLDERS[k] === path.basename(dir));

  const addFolder = (dir: string, kind: DatasetKind) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (!entry.isFile()) refuse(file, `only dataset files belong in ${DATASET_FOLDERS[kind]}/: remove this folder`);
      else addFile(file, kind);
    }
  };
  const addFile = (file: string, kind: DatasetKind) => {
    if (file.endsWith('.yaml')) files.push({ path: file, kind });
    else if (file.endsWith('.yml')) refuse(file, `dataset files end in ".yaml": rename it to ${path.basename(file, '.yml')}.yaml`);
    else refuse(file, `only dataset files ending in ".yaml" belong in ${DATASET_FOLDERS[kind]}/: remove this file`);
  };

  for (const target of targets) {
    const abs = path.resolve(from, target);
    const stat = fs.statSync(abs, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`${target}: no such file or directory`);
    if (stat.isFile()) {
      const kind = kindOfFolder(path.dirname(abs));
      if (!kind) throw new UsageError(`${target}: not in push_datasets/ or pull_datasets/, so its kind is unknown`);
      addFile(abs, kind);
      continue;
    }
    const kind = kindOfFolder(abs);
    if (kind) {
      addFolder(abs, kind);
      continue;
    }
    const kinds = (Object.keys(DATASET_FOLDERS) as DatasetKind[]).filter((k) =>
      fs.statSync(path.join(abs, DATASET_FOLDERS[k]), { throwIfNoEntry: false })?.isDirectory(),
    );
    if (kinds.length === 0) throw new UsageError(`${target}: holds neither push_datasets/ nor pull_datasets/`);
    for (const k of kinds) addFolder(path.join(abs, DATASET_FOLDERS[k]), k);
  }
  return files;
}

function decodeProblems(file: string, source: ParsedYaml, errors: t.Errors): Problem[] {
  return errors.map((error) => {
    const entries = error.context.slice(1);
    const dataPath: Path = entries.map((entry, i) => {
      const parent = i === 0 ? error.context[0] : entries[i - 1];
      return Array.isArray(parent.actual) ? Number(entry.key) : entry.key;
    });
    const last = entries[entries.length - 1];
    const part = last?.type === unknownKey ? 'key' : 'value';
    const message = error.message ?? `expected ${last?.type.name ?? 'a dataset'}, found something else`;
    return locatedProblem(file, source, dataPath, part, message);
  });
}

function locatedProblem(file: string, source: ParsedYaml, at: Path, part: 'key' | 'value', message: string): Problem {
  return { file, ...source.locate(at, part), field: fieldName(at), message };
}

function fileProblem(file: string, message: string): Problem {
  return { file, line: 1, column: 1, field: '', message };
}
