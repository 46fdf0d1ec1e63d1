import { anonymousPrincipal, runSimulation, type EvaluationResult, type Simulation } from '@cloud-copilot/iam-simulate';
import {
  receiverKeyStatement,
  receiverStatement,
  receiverStatements,
  TARGET_ACTIONS,
  TARGET_BUCKET_ACTIONS,
} from '../../naming';
import { title, type Cell, type Expect } from './cells';
import type { Doc, Model } from './model';

/**
 * Turns a matrix cell into an IAM request and asks @cloud-copilot/iam-simulate (a dev dependency under the AGPL: it is
 * imported only here, in tests, and never bundled) for the decision, with every policy taken from the synthesized
 * JSON (see model.ts). Cells that name something the model does not have throw instead of evaluating to "Denied":
 * a typo must not pass as a proof.
 */

/**
 * Whoever registered an approved bucket's name after its receiver deleted it: none of ours, no fixture's
 * bucket_owner, none of the fixtures' pull ARNs.
 */
export const STRANGER_ACCOUNT = '999988887777';

/** The policy of a principal whose own account is not ours to know: allow everything, so ours alone decides. */
const ALLOW_EVERYTHING: Doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

interface Principal {
  readonly principal: Simulation['request']['principal'];
  readonly identity: Doc[];
}

function principalOf(m: Model, who: string): Principal {
  if (who === 'anonymous') return { principal: anonymousPrincipal, identity: [] };
  if (/^[a-z0-9-]+\.amazonaws\.com$/.test(who)) return { principal: who, identity: [] };
  if (who === 'platform-admin')
    return { principal: `arn:aws:iam::${m.account}:role/platform-admin`, identity: [ALLOW_EVERYTHING] };
  if (who.startsWith('arn:aws:iam::')) {
    if (who.startsWith(`arn:aws:iam::${m.account}:`)) throw new Error(`${who}: name platform roles by name, not ARN`);
    return { principal: who, identity: [ALLOW_EVERYTHING] };
  }
  if (who.startsWith('export_')) {
    const role = [...m.roles.entries()].find(([, r]) => r.name === who);
    if (!role) throw new Error(`${who}: no such role in the synthesized stacks`);
    return { principal: role[0], identity: (m.identity.get(role[0]) ?? []).map((p) => p.value) };
  }
  if (who.startsWith('alpha_user_')) {
    const arn = `arn:aws:iam::${m.account}:role/${who}`;
    return { principal: arn, identity: (m.identity.get(arn) ?? []).map((p) => p.value) };
  }
  throw new Error(`${who}: not a principal the matrix knows (see cells.ts)`);
}

/** What a receiver's statements are made of (see receiverStatements() in naming/permissions.ts). */
type Told = { bucket: string; dataset: string; principal: string };

interface Target {
  readonly arn: string;
  readonly account: string;
  readonly policy?: Doc;
  readonly blockPublicAccess?: boolean;
}

function targetOf(m: Model, cell: Cell): Target {
  const { resource, context } = cell;
  const here = `${m.region}:${m.account}`;
  const [kind, name] = resource.split(/:(.*)/s);
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${resource}: no such ${what} in the synthesized stacks`);
    return value;
  };
  switch (kind) {
    case 'fn': {
      const arn = `arn:aws:lambda:${here}:function:${name}`;
      return { arn, account: m.account, policy: need(m.functions.get(arn), 'function').policy };
    }
    case 'queue': {
      const arn = `arn:aws:sqs:${here}:${name}`;
      return { arn, account: m.account, policy: need(m.queues.get(arn), 'queue').value };
    }
    case 'topic': {
      const arn = `arn:aws:sns:${here}:${name}`;
      return { arn, account: m.account, policy: need(m.topics.get(arn), 'topic').value };
    }
    case 'role': {
      const role = need(
        [...m.roles.entries()].find(([, r]) => r.name === name),
        'role',
      );
      return { arn: role[0], account: m.account, policy: role[1].trust };
    }
    case 'key':
      if (context.receiver !== undefined && context.receiver !== 'trusts platform account')
        throw new Error(`${title(cell)}: keys are modelled with the receiver's key statement, or trusting`);
      return keyTarget(m, cell, name, context.receiver !== undefined);
    case 'logs':
      need(m.logGroups.get(name), 'log group');
      return { arn: `arn:aws:logs:${here}:log-group:${name}:log-stream:2026/01/01/[$LATEST]0123`, account: m.account };
    default:
      return s3Target(m, cell, resource);
  }
}

function s3Target(m: Model, cell: Cell, resource: string): Target {
  const receiver = cell.context.receiver;
  const bucketName = resource.split('/')[0];
  const arn = `arn:aws:s3:::${resource}`;
  const ours = m.buckets.get(bucketName);
  if (ours) {
    if (receiver !== undefined) throw new Error(`${title(cell)}: receiver context on a platform bucket`);
    return {
      arn,
      account: m.account,
      policy: ours.policy,
      blockPublicAccess: ours.publicAccessBlock?.restrict_public_buckets === true,
    };
  }
  // A receiving bucket: another account. Its policy is what its receiver was told to paste, naming the exporter role
  // of every function that delivers there (from the function's TARGET_BUCKET, not from the role's own policy).
  const exporters = [...m.functions.values()].filter((f) => f.env.TARGET_BUCKET === bucketName);
  if (exporters.length === 0) throw new Error(`${resource}: neither a platform bucket nor a push dataset's target`);
  // A platform-account bucket the stacks do not create: no bucket policy of its own, our identity policy decides.
  if (receiver === 'is the platform account') return { arn, account: m.account };
  // The approved account: the bucket_owner its functions were given (one per bucket, or the fixture is wrong).
  const owners = new Set(exporters.map((f) => f.env.TARGET_BUCKET_OWNER));
  if (owners.size !== 1 || owners.has(undefined as unknown as string))
    throw new Error(`${resource}: its exporters name ${owners.size} owners (TARGET_BUCKET_OWNER); expected one`);
  const stranger = receiver === 'is in another account';
  const bucket = `arn:aws:s3:::${bucketName}`;
  const generous = {
    Sid: 'TrustsWholePlatformAccount',
    Effect: 'Allow' as const,
    Principal: { AWS: `arn:aws:iam::${m.account}:root` },
    Action: [...TARGET_ACTIONS, ...TARGET_BUCKET_ACTIONS, 's3:DeleteObject', 's3:ListBucket'],
    Resource: [bucket, `${bucket}/*`],
  };
  const told =
    receiver === 'pasted only the delivery statement' ? (t: Told) => [receiverStatement(t)] : receiverStatements;
  const statements = [
    ...exporters.flatMap((f) => told({ bucket: bucketName, dataset: f.env.DATASET, principal: f.role })),
    ...(receiver === 'trusts platform account' || stranger ? [generous] : []),
  ];
  return {
    arn,
    account: stranger ? STRANGER_ACCOUNT : [...owners][0],
    policy: { Version: '2012-10-17', Statement: statements as Doc['Statement'] },
  };
}

/**
 * A receiver's KMS key: another account's. Its policy is what its receiver was told to add, for the exporter role of
 * every function that names the key (TARGET_KMS_KEY_ARN), plus everything for the platform account when trusting.
 */
function keyTarget(m: Model, cell: Cell, arn: string, trustsPlatform: boolean): Target {
  const exporters = [...m.functions.values()].filter((f) => f.env.TARGET_KMS_KEY_ARN === arn);
  if (exporters.length === 0 && !trustsPlatform) throw new Error(`${title(cell)}: no push dataset names this key`);
  const generous = {
    Sid: 'TrustsWholePlatformAccount',
    Effect: 'Allow' as const,
    Principal: { AWS: `arn:aws:iam::${m.account}:root` },
    Action: ['kms:*'],
    Resource: '*',
  };
  const statements = [
    ...exporters.map((f) => receiverKeyStatement({ keyArn: arn, principal: f.role })),
    ...(trustsPlatform ? [generous] : []),
  ];
  const policy = { Version: '2012-10-17', Statement: statements as Doc['Statement'] };
  return { arn, account: arn.split(':')[4], policy };
}

function contextOf(m: Model, cell: Cell, target: Target, principal: Principal['principal']): Record<string, string> {
  const c = cell.context;
  const s3 = cell.action.startsWith('s3:');
  const out: Record<string, string> = { 'aws:SecureTransport': c.tls === 'HTTP' ? 'false' : 'true' };
  // AWS puts the caller's ARN (a role's, path included, for its sessions) into every signed request; the engine
  // does not, and a policy conditioned on it would see it missing. Services and anonymous requests carry none.
  if (typeof principal === 'string' && principal.startsWith('arn:aws:iam::')) out['aws:PrincipalArn'] = principal;
  // S3 sets the bucket owner's account on every request; a policy may condition on it (s3:ResourceAccount).
  if (s3) out['s3:ResourceAccount'] = target.account;
  if (s3 && c.tls !== 'HTTP') out['s3:TlsVersion'] = c.tls?.replace('TLS ', '') ?? '1.3';
  if (!s3 && (c.tls === 'TLS 1.1' || c.tls === 'TLS 1.2')) throw new Error(`${title(cell)}: TLS version is an S3 key`);
  if (c.prefix !== undefined) out['s3:prefix'] = c.prefix;
  if (c.sourceRule) out['aws:SourceArn'] = `arn:aws:events:${m.region}:${m.account}:rule/${c.sourceRule}`;
  if (c.sourceAccount) out['aws:SourceAccount'] = c.sourceAccount;
  if (c.via) out['kms:ViaService'] = c.via;
  for (const [key, value] of Object.entries(c.keys ?? {})) {
    if (key in out) throw new Error(`${title(cell)}: ${key} is set by the cell's other fields, not by keys`);
    out[key] = value;
  }
  return out;
}

/** IAM's answer to the cell's request. */
export async function decide(m: Model, cell: Cell): Promise<EvaluationResult> {
  if (cell.resource.includes('*')) throw new Error(`${title(cell)}: a request names one resource, not a pattern`);
  const { principal, identity } = principalOf(m, cell.who);
  const target = targetOf(m, cell);
  const simulation: Simulation = {
    request: {
      principal,
      action: cell.action,
      resource: { resource: target.arn, accountId: target.account },
      contextVariables: contextOf(m, cell, target, principal),
    },
    identityPolicies: identity.map((policy, i) => ({ name: `policy-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: target.policy,
    ...(target.blockPublicAccess !== undefined
      ? { additionalSettings: { s3: { blockPublicAccess: target.blockPublicAccess } } }
      : {}),
  };
  const r = await runSimulation(simulation, {});
  if (r.resultType === 'error')
    throw new Error(`${title(cell)}: iam-simulate refused the request: ${JSON.stringify(r.errors)}`);
  if (r.resultType !== 'single') throw new Error(`${title(cell)}: expected one resource, got ${r.resultType}`);
  // A context key the engine drops for this action would make the cell prove nothing about it.
  const ignored = r.result.ignoredContextKeys ?? [];
  if (ignored.length > 0)
    throw new Error(`${title(cell)}: context keys ${ignored.join(', ')} do not apply to ${cell.action}`);
  return r.overallResult;
}

export const meets = (expect: Expect, result: EvaluationResult): boolean =>
  expect === 'Allowed'
    ? result === 'Allowed'
    : expect === 'Explicitly denied'
    ? result === 'ExplicitlyDenied'
    : result !== 'Allowed';

/** Every cell's decision, by title; titles must be unique so a cell can be named in the mutation test. */
export async function evaluateAll(
  m: Model,
  cells: readonly Cell[],
): Promise<Map<string, { cell: Cell; result: EvaluationResult }>> {
  const out = new Map<string, { cell: Cell; result: EvaluationResult }>();
  for (const cell of cells) {
    const t = title(cell);
    if (out.has(t)) throw new Error(`two cells are both "${t}"`);
    out.set(t, { cell, result: await decide(m, cell) });
  }
  return out;
}

/** Titles of the cells whose decision does not meet their expectation. */
export async function failingCells(m: Model, cells: readonly Cell[]): Promise<string[]> {
  const all = await evaluateAll(m, cells);
  return [...all].filter(([, v]) => !meets(v.cell.expect, v.result)).map(([t]) => t);
}
