/**
 * Renders the plans of one pull request as a single comment body, bounded to what GitHub accepts.
 *
 * The plan-comment action runs this file (ts-node) with:
 *   PLANS_DIR     <stack>.txt (what `cdktf diff` printed) and <stack>.exit (its exit status) per planned stack
 *   CHANGES_FILE  the output of `npm run changed -- --json <base>`: {added, changed, removed}
 *   COMMENT_FILE  where to write the body
 *   BASE_REF, COMMIT, RUN_URL  shown in the header
 * The action then creates the comment, or updates the one carrying MARKER, so a pull request has one plan comment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Identifies our comment among the pull request's comments. */
export const MARKER = '<!-- hub-exports:plan -->';

/** GitHub refuses comment bodies over 65,536 characters. Sizes here are UTF-8 bytes, never fewer than characters. */
export const COMMENT_LIMIT = 65_536;

export type StackKind = 'added' | 'changed';

export interface StackPlan {
  readonly stack: string;
  readonly kind: StackKind;
  /** What `cdktf diff <stack>` printed, stdout and stderr. */
  readonly output: string;
  /** Its exit status; undefined when the diff never ran (an earlier step failed). */
  readonly exitCode: number | undefined;
}

export interface CommentInput {
  readonly plans: readonly StackPlan[];
  readonly removed: readonly string[];
  readonly baseRef: string;
  readonly commit: string;
  readonly runUrl: string;
}

const size = (s: string) => Buffer.byteLength(s, 'utf8');
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/**
 * cdktf prints each line of Terraform's output behind a column holding the stack name (continuation lines behind
 * blanks). Removes that column and ANSI codes; drops cdktf's own log lines outside the column (they repeat an error
 * already shown in it, or draw a spinner). Output not in that layout is returned unchanged (trimmed).
 */
export function stripCdktfColumn(stack: string, raw: string): string {
  const lines = raw.replace(ANSI, '').replace(/\r/g, '').split('\n');
  const prefixed = lines.filter((l) => l.startsWith(`${stack} `));
  if (prefixed.length === 0) return lines.join('\n').trim();
  // The column is the stack name and its padding; the shortest prefix is the column (indented text adds to it).
  const width = Math.min(...prefixed.map((l) => /^\S+ +/.exec(l)![0].length));
  const blank = ' '.repeat(width);
  const kept: string[] = [];
  for (const line of lines) {
    if (line.startsWith(`${stack} `)) {
      // cdktf trims the start of each chunk it prints; Terraform indents its resource headers by two.
      const text = line.slice(width);
      kept.push(text.startsWith('# ') ? `  ${text}` : text);
    } else if (line.startsWith(blank)) kept.push(line.slice(width));
    else if (line.trim() === '') kept.push('');
  }
  return kept.join('\n');
}

const PLAN_START = /^(Note: Objects have changed outside of Terraform|Terraform used the selected providers|No changes\.)/;
// The end of `terraform init`'s chatter: its closing paragraph, which TF_IN_AUTOMATION leaves out, or its success line.
const INIT_DONE = /^(commands will detect it and remind you to do so if necessary\.|Terraform has been successfully initialized!)/;

/** Blank runs (spinner frames leave many) become one blank line; none at the ends. */
const tidy = (lines: string[]) =>
  lines
    .filter((l, i) => l.trim() !== '' || (i > 0 && lines[i - 1].trim() !== ''))
    .join('\n')
    .trim();

/** The part of a stack's output a reviewer reads: the plan itself, or, when there is none, everything after init. */
export function planText(stack: string, raw: string): string {
  const lines = stripCdktfColumn(stack, raw).split('\n');
  const start = lines.findIndex((l) => PLAN_START.test(l));
  if (start < 0) {
    let initDone = -1;
    lines.forEach((l, i) => {
      if (INIT_DONE.test(l)) initDone = i;
    });
    return tidy(lines.slice(initDone + 1));
  }
  // Drop the trailer about the saved plan file ("Saved the plan to: plan", how to apply it) and its rule.
  let end = lines.findIndex((l, i) => i > start && /^Saved the plan to:/.test(l));
  if (end < 0) end = lines.length;
  while (end > start + 1 && /^[\s─]*$/.test(lines[end - 1])) end--;
  return tidy(lines.slice(start, end));
}

/**
 * A pause proposed or lifted, in words: a paused dataset's stack has the output `paused` (stacks/paused.ts), so
 * its plan shows `+ paused = "<reason>"` when the pause comes and `- paused = …` when it goes.
 */
export function pauseNote(text: string): string | undefined {
  const paused = /^\s*\+ paused\s*= "(.*)"\s*$/m.exec(text);
  // The reason sits in a table cell: a pipe would end the cell.
  if (paused) return `**PAUSES the dataset**: ${paused[1].replace(/\\"/g, '"').replace(/\|/g, '\\|')}`;
  if (/^\s*- paused\s*= /m.test(text)) return '**resumes the dataset** (its pause is lifted)';
  return undefined;
}

/**
 * Roles the stack's leavers' check (stacks/roles-exist-check.ts) did not find, in words: each failed assertion's
 * message starts with the role, then `is in "users"` or `is in "pull_arns"`.
 */
export function leaverNote(text: string): string | undefined {
  if (!/Warning: Check block assertion failed/.test(text)) return undefined;
  const roles = [...text.matchAll(/^[\s│]*(\S+) is in "(?:users|pull_arns)" of /gm)].map((m) => `\`${m[1]}\``);
  const named = roles.length > 0 ? `: ${[...new Set(roles)].join(', ')}` : '';
  return `**warns: a role its file names no longer exists${named}** (apply will fail until the file is fixed)`;
}

/**
 * One line for the table: Terraform's own "Plan: …" line when there is one, after any pause it makes or lifts and any
 * role its leavers' check did not find.
 */
export function summary(plan: StackPlan, text: string): string {
  if (plan.exitCode === undefined) return 'not planned: an earlier step failed (see the run)';
  if (plan.exitCode !== 0) return `**failed** (exit ${plan.exitCode})`;
  const notes = [pauseNote(text), leaverNote(text)].filter((n) => n !== undefined);
  const line = /^Plan: .*$/m.exec(text)?.[0];
  const changes = /^No changes\./m.test(text) ? 'No changes.' : /^Changes to Outputs:/m.test(text) ? 'outputs only' : undefined;
  return [...notes, line ?? changes ?? 'planned (see below)'].join('. ');
}

/** Cuts text at a line boundary so that it and the note saying so fit in `budget` bytes. */
export function truncate(text: string, budget: number): string {
  if (size(text) <= budget) return text;
  const lines = text.split('\n');
  const note = (cut: number) =>
    `\n… ${cut} more line${cut === 1 ? '' : 's'} cut to keep this comment within GitHub's limit; ` +
    `the full plan is in the workflow run's log.`;
  const room = budget - size(note(lines.length));
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const lineSize = size(line) + 1;
    if (used + lineSize > room) break;
    kept.push(line);
    used += lineSize;
  }
  return `${kept.join('\n')}${note(lines.length - kept.length)}`;
}

/** Splits `budget` bytes between texts: short ones keep everything, long ones share what is left equally. */
export function shareBudget(sizes: readonly number[], budget: number): number[] {
  const shares = new Array<number>(sizes.length).fill(0);
  let left = Math.max(0, budget);
  const order = sizes.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  order.forEach(([s, i], k) => {
    const fair = Math.floor(left / (order.length - k));
    shares[i] = Math.min(s, fair);
    left -= shares[i];
  });
  return shares;
}

const fence = (text: string) => text.replace(/`{3,}/g, (run) => run.split('').join('\u200b'));
const code = (s: string) => `\`${s}\``;

export function renderComment(input: CommentInput, limit = COMMENT_LIMIT): string {
  const { plans, removed } = input;
  const short = input.commit.slice(0, 12);
  const head = [
    MARKER,
    '### Terraform plan',
    '',
    `Stacks whose synthesized Terraform differs from ${code(input.baseRef)}, planned at ${short} ` +
      `([workflow run](${input.runUrl})). Merging deploys exactly these.`,
    '',
  ];
  if (plans.length === 0 && removed.length === 0) {
    return [...head, 'No stack changes: merging this pull request deploys nothing.', ''].join('\n');
  }
  const texts = plans.map((p) => fence(planText(p.stack, p.output)) || '(no output)');
  const rows = plans.map((p, i) => `| ${code(p.stack)} | ${p.kind} | ${summary(p, texts[i])} |`);
  const table = plans.length > 0 ? ['| stack | | plan |', '|---|---|---|', ...rows, ''] : [];
  const gone =
    removed.length > 0
      ? [
          `**Removed:** ${removed.map(code).join(', ')}. Not planned here: after the merge, the deploy workflow ` +
            `destroys them only once someone approves the \`destroy-approval\` environment.`,
          '',
        ]
      : [];
  const section = (p: StackPlan, i: number, body: string) =>
    [
      `<details${p.exitCode === 0 ? '' : ' open'}><summary><code>${p.stack}</code>: ${summary(p, texts[i])}</summary>`,
      '',
      '```text',
      body,
      '```',
      '',
      '</details>',
      '',
    ].join('\n');

  const frame = [...head, ...table, ...gone].join('\n');
  const fixed = size(frame) + 1 + plans.reduce((n, p, i) => n + size(section(p, i, '')), 0);
  const room = limit - fixed - 64; // 64: slack for the joins
  if (room < plans.length * 400) {
    // Too many stacks to show any plan usefully: the table alone, cut if need be.
    return truncate(`${frame}\nThe plans themselves are in the workflow run's log.\n`, limit);
  }
  const shares = shareBudget(
    texts.map((t) => size(t)),
    room,
  );
  const sections = plans.map((p, i) => section(p, i, truncate(texts[i], shares[i])));
  return [frame, ...sections].join('\n');
}

/** Reads what the workflow left in PLANS_DIR and CHANGES_FILE; the exporter first, as it is deployed first. */
export function readPlans(plansDir: string, changes: { added: string[]; changed: string[] }): StackPlan[] {
  const listed: [string, StackKind][] = [
    ...changes.added.map((s) => [s, 'added'] as [string, StackKind]),
    ...changes.changed.map((s) => [s, 'changed'] as [string, StackKind]),
  ];
  listed.sort(([a], [b]) => Number(b === 'exporter') - Number(a === 'exporter') || a.localeCompare(b));
  return listed.map(([stack, kind]) => {
    const read = (ext: string) => {
      const file = path.join(plansDir, `${stack}.${ext}`);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    };
    const exit = read('exit');
    return { stack, kind, output: read('txt') ?? '', exitCode: exit === undefined ? undefined : Number(exit.trim()) };
  });
}

function main(): void {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const changes = JSON.parse(fs.readFileSync(need('CHANGES_FILE'), 'utf8')) as {
    added: string[];
    changed: string[];
    removed: string[];
  };
  const body = renderComment({
    plans: readPlans(need('PLANS_DIR'), changes),
    removed: changes.removed,
    baseRef: need('BASE_REF'),
    commit: need('COMMIT'),
    runUrl: need('RUN_URL'),
  });
  fs.writeFileSync(need('COMMENT_FILE'), body);
  console.log(`plan comment: ${size(body)} bytes for ${changes.added.length + changes.changed.length} stack(s)`);
}

if (require.main === module) main();
