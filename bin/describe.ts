import { datasetsRoot, formatProblem, loadDatasets } from '../config';
import { describePull, describePush, renderText, type Description } from '../describe';
import { commandLine, settingsFor, type Print } from './cli';

const USAGE = `usage: npm run describe -- [--json] <dataset name> [...]

Prints what a deployed dataset gives its users, receivers and reviewers: for a push dataset where to upload, who
may, the receiving account, the exporter role, where its receipts are (did a file arrive, and when) and the
statements the receiving bucket's owner must add; for a pull dataset the bucket, who can read and write it, how to
read it from another account and the identity policy each role in pull_arns needs in its own account. --json
prints the same as one JSON object: the dataset's description, or for several names an object keyed by name.

Exit status: 0 described, 1 a dataset file is invalid or no dataset has that name, 2 usage error.`;

export function describeCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: Print,
  err: Print,
): number {
  const parsed = commandLine(argv, { json: { type: 'boolean' } }, USAGE, out, err, (names) => {
    if (names.length === 0) throw new Error('name at least one dataset');
  });
  if (typeof parsed === 'number') return parsed;
  const names = parsed.positionals;
  const json = parsed.values.json ?? false;
  const settings = settingsFor('describe', env, err);
  if (!settings) return 2;
  const root = datasetsRoot(env);
  const { datasets, problems } = loadDatasets([root], { settings: settings.platform, cwd: root });
  if (problems.length > 0) {
    err(`${problems.map(formatProblem).join('\n')}\n\nFix the dataset files first (npm run validate).`);
    return 1;
  }

  // One description per name: a push and a pull dataset never share a name (the loader refuses it).
  const found = new Map<string, Description>();
  for (const name of names) {
    const push = datasets.push.find((d) => d.name === name);
    const pull = datasets.pull.find((d) => d.name === name);
    if (push) found.set(name, describePush(settings.platform, push, `push_datasets/${name}.yaml`, settings));
    else if (pull) found.set(name, describePull(settings.platform, pull, `pull_datasets/${name}.yaml`));
    else {
      const known = [...datasets.push, ...datasets.pull].map((d) => d.name).sort();
      err(`describe: no dataset is named "${name}". Known: ${known.join(', ')}`);
      return 1;
    }
  }
  const described = [...found.values()];
  // --json is always one object: the dataset's description, or for several names one keyed by name.
  const document = described.length === 1 ? described[0] : Object.fromEntries(found);
  out(json ? JSON.stringify(document, null, 2) : described.map(renderText).join('\n'));
  return 0;
}

if (require.main === module) {
  process.exitCode = describeCommand(process.argv.slice(2), process.env, console.log, console.error);
}
