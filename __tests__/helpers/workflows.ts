import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { PROJECT_ROOT } from '../../config';

/** What the tests read of a GitHub Actions workflow or composite action (js-yaml gives plain data). */
export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly shell?: string;
  readonly with?: Record<string, string | number | boolean>;
  readonly env?: Record<string, string>;
  readonly 'working-directory'?: string;
}

export type Permissions = string | Record<string, string>;

export interface Job {
  readonly name?: string;
  readonly needs?: string | string[];
  readonly if?: string;
  readonly 'runs-on'?: string;
  readonly container?: string | { image: string };
  readonly environment?: string | { name: string };
  readonly permissions?: Permissions;
  readonly env?: Record<string, string>;
  readonly outputs?: Record<string, string>;
  readonly concurrency?: unknown;
  readonly steps: Step[];
}

export interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Permissions;
  readonly concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

export interface CompositeAction {
  readonly name: string;
  readonly inputs?: Record<string, { default?: string; required?: boolean }>;
  readonly runs: { using: string; steps: Step[] };
}

export const WORKFLOWS_DIR = path.join(PROJECT_ROOT, '.github', 'workflows');
export const ACTIONS_DIR = path.join(PROJECT_ROOT, '.github', 'actions');

export const workflowFiles = (): string[] =>
  fs
    .readdirSync(WORKFLOWS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(WORKFLOWS_DIR, f));

export const actionFiles = (): string[] =>
  fs
    .readdirSync(ACTIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(ACTIONS_DIR, d.name, 'action.yml'))
    .filter((f) => fs.existsSync(f))
    .sort();

export const readWorkflow = (file: string): Workflow => load(fs.readFileSync(file, 'utf8')) as Workflow;
export const readAction = (file: string): CompositeAction => load(fs.readFileSync(file, 'utf8')) as CompositeAction;
export const workflow = (name: string): Workflow => readWorkflow(path.join(WORKFLOWS_DIR, name));

export const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));

/** Every job `name` waits for, directly or not. */
export function ancestors(jobs: Record<string, Job>, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const parent of needsOf(jobs[n])) {
      if (!seen.has(parent)) {
        seen.add(parent);
        visit(parent);
      }
    }
  };
  visit(name);
  return seen;
}

export const environmentOf = (job: Job): string | undefined =>
  typeof job.environment === 'string' ? job.environment : job.environment?.name;

/** Every step of every workflow job and composite action, with where it is. */
export function allSteps(): { file: string; where: string; step: Step }[] {
  const steps: { file: string; where: string; step: Step }[] = [];
  for (const file of workflowFiles()) {
    for (const [id, job] of Object.entries(readWorkflow(file).jobs)) {
      job.steps.forEach((step, i) => steps.push({ file, where: `${path.basename(file)} ${id} step ${i + 1}`, step }));
    }
  }
  for (const file of actionFiles()) {
    readAction(file).runs.steps.forEach((step, i) =>
      steps.push({ file, where: `${path.relative(PROJECT_ROOT, file)} step ${i + 1}`, step }),
    );
  }
  return steps;
}

export interface UsesLine {
  readonly file: string;
  readonly line: number;
  /** What follows `uses:`, e.g. `actions/checkout@<sha>`. */
  readonly ref: string;
  /** The trailing `# …` comment, if any (YAML parsers drop comments, so this reads the text). */
  readonly comment?: string;
}

/** Every `uses:` line of the workflows and composite actions, read from the text to keep the version comments. */
export function usesLines(): UsesLine[] {
  const found: UsesLine[] = [];
  for (const file of [...workflowFiles(), ...actionFiles()]) {
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*?))?\s*$/.exec(text);
        if (m) found.push({ file: path.relative(PROJECT_ROOT, file), line: i + 1, ref: m[1], comment: m[2] });
      });
  }
  return found;
}

/** The commands a `run:` block invokes through npm: `npm run <script>`, `npm test`, `npx <bin>`. */
export function npmCommands(script: string): { scripts: string[]; bins: string[] } {
  const scripts: string[] = [];
  const bins: string[] = [];
  for (const m of script.matchAll(/\bnpm\s+(?:run|run-script)\s+(?:(?:-s|--silent|--if-present)\s+)*([\w:.-]+)/g)) {
    scripts.push(m[1]);
  }
  for (const m of script.matchAll(/\bnpm\s+(test|start|stop|restart)\b/g)) scripts.push(m[1]);
  for (const m of script.matchAll(/\bnpx\s+(?:--no-install\s+|--yes\s+|-y\s+)*([@\w/.-]+)/g)) bins.push(m[1]);
  return { scripts, bins };
}
