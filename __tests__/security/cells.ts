/**
 * The shape of one cell of the security matrix: who asks, to do what, on what, in which context, and what IAM must
 * answer. The cells themselves live in matrix-*.ts, grouped by who asks; simulate.ts turns a cell into a request.
 *
 * Who (`who`):
 * - `alpha_user_<id>`: a platform user's role, arn:aws:iam::<platform>:role/<name>, with every inline policy the
 *   stacks attach to it (a user in several datasets has several). Its other platform policies are not ours and are
 *   not modelled: the matrix proves what these stacks add.
 * - `export_<name>-move`: an exporter role as the stacks create it (path /service-role/).
 * - `platform-admin`: a role of the platform account whose own policy allows everything. Stands for the deploy
 *   pipeline and administrators: only a bucket policy's Deny can stop it, which is what the TLS cells need.
 * - `arn:aws:iam::<other account>:role/...`: an external role (a pull ARN, or one that is not listed). Its account's
 *   own policy is unknown to us, so it is modelled as allowing everything: our resource policy alone decides.
 * - `anonymous`: an unsigned request.
 * - `<service>.amazonaws.com`: an AWS service principal (EventBridge, Lambda, CloudWatch).
 *
 * On what (`resource`): `bucket/key` or `bucket` for S3; `fn:<name>`, `queue:<name>`, `topic:<name>`,
 * `role:<name>` and `logs:<log group>` (a stream in it) for the rest, expanded with the platform account and region;
 * `key:<key ARN>` for a receiver's KMS key (in the receiver's account, with the key policy receivers are told to add).
 */

export type Expect = 'Allowed' | 'Denied' | 'Explicitly denied';

export interface Context {
  /** The API operation, when IAM authorises it under another action name (CreateMultipartUpload is s3:PutObject). */
  readonly op?: string;
  /** Transport; default HTTPS with TLS 1.3. */
  readonly tls?: 'HTTP' | 'TLS 1.1' | 'TLS 1.2';
  /** `s3:prefix` of a ListBucket request (absent: no prefix, the whole bucket). */
  readonly prefix?: string;
  /** `aws:SourceArn` of a service request, as `rule:<name>`. */
  readonly sourceRule?: string;
  /** `aws:SourceAccount` of a service request. */
  readonly sourceAccount?: string;
  /** `kms:ViaService` of a KMS request: the service that made it for the caller (absent: the caller itself). */
  readonly via?: string;
  /**
   * Other condition keys the request carries, by name: what a header of the request sets, such as
   * `s3:if-none-match` = `*` for a create-only write. Keys the fields above set cannot be given here.
   */
  readonly keys?: Readonly<Record<string, string>>;
  /**
   * Receiver buckets live in another account, so a write needs our identity policy AND the receiver's bucket policy.
   * By default the receiver has pasted `receiverStatements()` (delivery and clean-up) for its own exporter role, as
   * receivers are told.
   * - `trusts platform account`: it also allows every principal of the platform account, the most generous receiver,
   *   so our identity policy alone must refuse. For a KMS key: its policy also allows the platform account everything.
   * - `pasted only the delivery statement`: `receiverStatement()` without `receiverCleanUpStatement()` (a receiver
   *   who set up before clean-up existed): what it did not grant, the exporter must not get.
   * - `is the platform account`: the named bucket turns out to be one of the platform account's, created outside
   *   these stacks (the validator refuses only the buckets it knows). Same-account access needs no bucket policy, so
   *   it has none here: our identity policy alone decides, and its `s3:ResourceAccount` condition must refuse.
   * - `is in another account`: the approved bucket name now belongs to an account other than the dataset's
   *   `bucket_owner` (the receiver deleted the bucket and someone registered the name), whose policy grants what
   *   receivers are told and trusts the whole platform account too: only our `s3:ResourceAccount` = bucket_owner
   *   condition can refuse. For a KMS key, name the stranger's key ARN instead (a key ARN names its account).
   */
  readonly receiver?:
    | 'trusts platform account'
    | 'pasted only the delivery statement'
    | 'is the platform account'
    | 'is in another account';
}

export interface Cell {
  readonly group: string;
  readonly who: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Context;
  readonly expect: Expect;
}

export type Row = readonly [who: string, action: string, resource: string, expect: Expect, context?: Context];

/** A group of cells written as a table: one row per request. */
export const table = (group: string, rows: readonly Row[]): Cell[] =>
  rows.map(([who, action, resource, expect, context = {}]) => ({ group, who, action, resource, context, expect }));

export function contextText(c: Context): string {
  const parts = [
    c.op,
    c.tls,
    c.prefix !== undefined && `prefix "${c.prefix}"`,
    c.sourceRule && `SourceArn rule/${c.sourceRule}`,
    c.sourceAccount && `SourceAccount ${c.sourceAccount}`,
    c.via && `via ${c.via}`,
    ...Object.entries(c.keys ?? {}).map(([k, v]) => `${k} "${v}"`),
    c.receiver && `receiver ${c.receiver}`,
  ].filter(Boolean);
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}

/** The cell's test name, e.g. `alpha_user_p1 s3:PutObject mojap-hub-exports/proj_2/x → Denied`. */
export const title = (c: Cell): string => `${c.who} ${c.action} ${c.resource}${contextText(c.context)} → ${c.expect}`;

/** The matrix as a Markdown document (docs/security-matrix.md), one table per group. */
export function renderMarkdown(
  cells: readonly Cell[],
  preamble: string,
  notes: Readonly<Record<string, string>>,
): string {
  const out = [preamble.trim(), ''];
  const groups = [...new Set(cells.map((c) => c.group))];
  for (const g of groups) {
    out.push(`## ${g}`, '', ...(notes[g] ? [notes[g], ''] : []));
    out.push('| who | action | resource | context | expected |', '|---|---|---|---|---|');
    for (const c of cells.filter((x) => x.group === g)) {
      const ctx = contextText(c.context).replace(/^ \[|\]$/g, '');
      out.push(`| \`${c.who}\` | \`${c.action}\` | \`${c.resource}\` | ${ctx} | **${c.expect}** |`);
    }
    out.push('');
  }
  return `${out.join('\n').trim()}\n`;
}
