import type { Cell } from './cells';
import { LEDGER_CELLS } from './matrix-ledger';
import { NOBODY, SERVICES, TRANSPORT, TRUST } from './matrix-platform';
import { PAUSED_CELLS } from './matrix-paused';
import { PULL_ARNS, PULL_USERS } from './matrix-pull';
import { EXPORTERS, PUSH_USERS } from './matrix-push';
import { RECEIPT_CELLS } from './matrix-receipts';

/** The whole security matrix of the fixture datasets, in the order docs/security-matrix.md shows it. */
export const MATRIX: readonly Cell[] = [
  ...PUSH_USERS,
  ...EXPORTERS,
  ...LEDGER_CELLS,
  ...RECEIPT_CELLS,
  ...PULL_USERS,
  ...PULL_ARNS,
  ...PAUSED_CELLS,
  ...NOBODY,
  ...TRANSPORT,
  ...SERVICES,
  ...TRUST,
];

/** What each group proves, for the readers of docs/security-matrix.md. */
export const GROUP_NOTES: Readonly<Record<string, string>> = {
  [PUSH_USERS[0].group]:
    "Users write under their dataset's prefix (`<name>/`, slash included) and nowhere else; nobody but the exporter " +
    'reads or deletes what waits there, not even the author. A user of two datasets holds exactly both.',
  [EXPORTERS[0].group]:
    'Each exporter reads exact versions under its own prefix, deletes them unless the dataset keeps files, and writes ' +
    'only its own target bucket, and (long copies and streams) its own handovers under `.exporter-state/<name>/`. Targets ' +
    'are in other accounts: see "How to read it" above. To abort the uploads a failure left there, it may list the ' +
    "target's incomplete multipart uploads (the whole bucket: S3 has no prefix condition for it) when the receiver " +
    'has added the clean-up statement, and only then.',
  [LEDGER_CELLS[0].group]:
    'Each exporter reads and writes its own records under `<name>/` of `mojap-hub-exports-ledger` (what it delivered, ' +
    "who is working on a key) and nothing else there; users and pull ARNs cannot reach the ledger at all: no one " +
    'else can change what an exporter remembers.',
  [RECEIPT_CELLS[0].group]:
    "A dataset's users list and read the receipts under `export-receipts/<name>/` (slash included) and no other " +
    "dataset's; each exporter writes its own dataset's, with If-None-Match only, and cannot read or delete them. " +
    'Nobody, not even a role allowed everything by its own policy, writes, replaces or deletes a receipt: the export ' +
    "bucket's policy refuses it. Only its lifecycle rule (no principal) expires them.",
  [PULL_USERS[0].group]:
    'Platform users read and write the buckets of their pull datasets only; versions are never purged.',
  [PULL_ARNS[0].group]:
    'External roles read their own bucket, write only with `allow_push`, and never reach a bucket because their ' +
    'account is named elsewhere: bucket policies name roles, not accounts.',
  [PAUSED_CELLS[0].group]:
    'A paused dataset (`paused:` in its file, deployed as any change) stops without being destroyed: a push ' +
    "dataset's users can no longer upload (its exporter also runs no invocation: reserved concurrency 0), a pull " +
    "dataset's external roles lose all access; what is stored stays, and other datasets are untouched.",
  [NOBODY[0].group]: 'Nothing is public, and a role that no dataset lists gets nothing from these stacks.',
  [TRANSPORT[0].group]:
    'Each bucket refuses plain HTTP and TLS below 1.2 with an explicit Deny, for principals that the same request ' +
    'over TLS 1.2 allows.',
  [SERVICES[0].group]: 'Each EventBridge rule invokes only its own exporter and fills only its own dead-letter queue.',
  [TRUST[0].group]: 'Only the Lambda service can assume an exporter role.',
};
