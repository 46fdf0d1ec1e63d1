import type { TerraformStack } from 'cdktf';
import { DATASET_FOLDERS, type DatasetKind } from '../config/datasets';
import { ROLES_EXIST_CHECK } from '../naming';

export interface RolesExistProps {
  readonly kind: DatasetKind;
  readonly dataset: string;
  /** Our account: only its roles can be looked up. */
  readonly account: string;
  /** Platform usernames, each the name of an IAM role in our account. */
  readonly users: readonly string[];
  /** `pull_arns`, of any account; only those in ours are checked. @default none */
  readonly roleArns?: readonly string[];
}

/** Go's RE2 metacharacters, for IAM names (which may hold `+`, `=`, `,`, `.`, `@`, `_` and `-`). */
const quoted = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
const roleName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/**
 * A Terraform check block that names each role a dataset's file lists but our account no longer has: a leaver's
 * username, or a rotated role in `pull_arns`. A failed check is a warning on this stack's plan and apply, never an
 * error, so other stacks deploy; this stack's apply would fail later with IAM's NoSuchEntity (a user's policy) or
 * "Invalid principal" (the bucket policy), far from the cause. One ListRoles scan (filtered by name) per stack.
 * Undefined when there is nothing of our account to check. Pure: the JSON Terraform reads.
 */
export function rolesExistCheck(p: RolesExistProps): Record<string, unknown> | undefined {
  const ours = (p.roleArns ?? []).filter((arn) => arn.startsWith(`arn:aws:iam::${p.account}:role/`));
  const names = [...new Set([...p.users, ...ours.map(roleName)])].sort();
  if (names.length === 0) return undefined;
  const file = `${DATASET_FOLDERS[p.kind]}/${p.dataset}.yaml`;
  const found = 'data.aws_iam_roles.listed';
  const has = (list: 'names' | 'arns', value: string) => `\${contains(${found}.${list}, ${JSON.stringify(value)})}`;
  return {
    data: { aws_iam_roles: { listed: { name_regex: `^(${names.map(quoted).join('|')})$` } } },
    assert: [
      ...p.users.map((user) => ({
        condition: has('names', user),
        error_message:
          `${user} is in "users" of ${file}, but account ${p.account} has no IAM role of that name: they have ` +
          `probably left the platform. Remove them from "users" in ${file}; until then, this stack's apply fails ` +
          '(NoSuchEntity) when it writes their policy.',
      })),
      ...ours.map((arn) => ({
        condition: has('arns', arn),
        error_message:
          `${arn} is in "pull_arns" of ${file}, but account ${p.account} has no such role (deleted, renamed or ` +
          `moved to another path). Ask its owner for the role's current ARN, or remove it, in ${file}; until then, ` +
          "this stack's apply fails (Invalid principal) when it writes the bucket policy.",
      })),
    ],
  };
}

/** Adds the check (rolesExistCheck) to `stack`: cdktf 0.21 has no construct for check blocks, so it is raw JSON. */
export function checkRolesExist(stack: TerraformStack, props: RolesExistProps): void {
  const check = rolesExistCheck(props);
  if (check) stack.addOverride(`check.${ROLES_EXIST_CHECK}`, check);
}
