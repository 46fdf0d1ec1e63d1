import { UsageError, datasetsRoot, formatProblem, githubAnnotation, loadDatasets } from '../config';
import { commandLine, settingsFor, type Print } from './cli';
import type { LoadResult } from '../config';

const USAGE = `usage: npm run validate -- [--help] [file or folder ...]

Checks dataset files. With no argument: push_datasets/ and pull_datasets/ under
EXPORTS_DATASETS_DIR (default: the repository root). Folders may be dataset
folders or roots holding them. Relative paths are read from the directory the
command was run in.

Exit status: 0 all valid, 1 a file is invalid, 2 usage error.
With GITHUB_ACTIONS=true, problems are also printed as workflow annotations.`;

/** Returns the exit status; prints to the given streams so tests can run it in-process. */
export function validate(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: Print,
  err: Print,
): number {
  const parsed = commandLine(argv, {}, USAGE, out, err);
  if (typeof parsed === 'number') return parsed;
  const targets = parsed.positionals.length > 0 ? parsed.positionals : [datasetsRoot(env)];
  // Dataset rules depend on settings (the export bucket, the pull-bucket prefix): use the ones synth will use.
  const settings = settingsFor('validate', env, err);
  if (!settings) return 2;
  const started = process.hrtime.bigint();
  let result: LoadResult;
  try {
    // npm runs scripts at the package root and says in INIT_CWD where it was run: paths given are read from there.
    // Problems still show paths relative to the process's directory (the repository root under npm, as annotations
    // on pull requests need).
    result = loadDatasets(targets, { settings: settings.platform, from: env.INIT_CWD || process.cwd() });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`validate: ${e.message}`);
    return 2;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;

  const { problems, files, datasets } = result;
  if (problems.length > 0) {
    for (const p of problems) out(formatProblem(p));
    if (env.GITHUB_ACTIONS === 'true') for (const p of problems) out(githubAnnotation(p));
    const badFiles = new Set(problems.map((p) => p.file)).size;
    out(`\n${plural(problems.length, 'problem')} in ${badFiles} of ${plural(files, 'file')}.`);
    return 1;
  }
  const names = (list: readonly { name: string }[]) => (list.length ? ` (${list.map((d) => d.name).join(', ')})` : '');
  out(
    `${plural(files, 'dataset file')} valid: ${datasets.push.length} push${names(datasets.push)}, ` +
      `${datasets.pull.length} pull${names(datasets.pull)}; checked in ${ms.toFixed(0)} ms.`,
  );
  return 0;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

if (require.main === module) {
  process.exitCode = validate(process.argv.slice(2), process.env, console.log, console.error);
}
