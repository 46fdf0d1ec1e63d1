import type { Doc, Stack, Stmt } from './model';

/**
 * Edits of synthesized JSON for the mutation tests: the kind of change a person makes by hand or a refactor makes by
 * accident. Every edit throws when it changes nothing, so a mutation test can never pass by mutating nothing.
 */

type Stacks = Record<string, Stack>;
const clone = (s: Stacks): Stacks => JSON.parse(JSON.stringify(s)) as Stacks;

function stackOf(stacks: Stacks, id: string): Stack {
  const s = stacks[id];
  if (!s) throw new Error(`no stack ${id}`);
  return s;
}

/** Replaces every occurrence of `from` in the JSON text of the named stacks (as `sed` on cdk.tf.json would). */
export function replaceText(stacks: Stacks, ids: readonly string[], from: string, to: string): Stacks {
  const out = clone(stacks);
  for (const id of ids) {
    // Matched inside string values: policies are JSON strings in the JSON, so their quotes appear escaped (\").
    const text = JSON.stringify(stackOf(out, id));
    const needle = JSON.stringify(from).slice(1, -1);
    const replacement = JSON.stringify(to).slice(1, -1);
    if (!text.includes(needle)) throw new Error(`"${from}" does not occur in stack ${id}`);
    out[id] = JSON.parse(text.split(needle).join(replacement)) as Stack;
  }
  return out;
}

/** Edits the resources of `type` in the named stacks (every stack when `ids` is '*'). */
export function editResources(
  stacks: Stacks,
  ids: readonly string[] | '*',
  type: string,
  edit: (resource: Record<string, unknown>, id: string) => void,
): Stacks {
  const out = clone(stacks);
  let touched = 0;
  for (const id of ids === '*' ? Object.keys(out) : ids) {
    const before = JSON.stringify(stackOf(out, id));
    for (const [rid, r] of Object.entries(stackOf(out, id).resource?.[type] ?? {})) edit(r, rid);
    if (JSON.stringify(out[id]) !== before) touched++;
  }
  if (touched === 0) throw new Error(`editing ${type} changed nothing`);
  return out;
}

/** Edits the policy document held in field `field` (a JSON string) of the resources of `type`. */
export const editPolicies = (
  stacks: Stacks,
  ids: readonly string[] | '*',
  type: string,
  edit: (doc: Doc, resourceId: string) => Doc,
  field = 'policy',
): Stacks =>
  editResources(stacks, ids, type, (r, id) => {
    r[field] = JSON.stringify(edit(JSON.parse(String(r[field])) as Doc, id));
  });

/** A policy edit that rewrites each statement (or drops it, returning undefined). */
export const withStatements =
  (edit: (s: Stmt) => Stmt | undefined) =>
  (d: Doc): Doc => ({
    ...d,
    Statement: d.Statement.map(edit).filter((s): s is Stmt => s !== undefined),
  });
