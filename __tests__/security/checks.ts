import {
  handoverPrefix,
  exportPrefix,
  ledgerBucketName,
  ledgerPrefix,
  receiptPrefix,
  type PlatformSettings,
} from '../../naming';
import { list, type Doc, type LifecycleRule, type Model, type Stmt } from './model';

/**
 * Static checks over the synthesized JSON (through model.ts). Each returns the problems it finds, one line each,
 * naming the stack and resource, so static.test.ts can assert none and mutation.test.ts can show each one firing.
 */

export interface PolicyAt {
  readonly where: string;
  readonly kind: 'identity' | 'bucket' | 'queue' | 'topic' | 'function' | 'trust';
  readonly doc: Doc;
}

/** Every policy document the stacks create, wherever it is attached. */
export function allPolicies(m: Model): PolicyAt[] {
  const out: PolicyAt[] = [];
  for (const [arn, docs] of m.identity)
    for (const d of docs) out.push({ where: `${d.stack} ${d.address} (${arn})`, kind: 'identity', doc: d.value });
  for (const b of m.buckets.values())
    if (b.policy) out.push({ where: `${b.stack} bucket ${b.name}`, kind: 'bucket', doc: b.policy });
  for (const [arn, q] of m.queues) if (q.value) out.push({ where: `${q.stack} ${arn}`, kind: 'queue', doc: q.value });
  for (const [arn, t] of m.topics) if (t.value) out.push({ where: `${t.stack} ${arn}`, kind: 'topic', doc: t.value });
  for (const [arn, f] of m.functions) out.push({ where: `${f.stack} ${arn}`, kind: 'function', doc: f.policy });
  for (const [arn, r] of m.roles) out.push({ where: `${r.stack} trust of ${arn}`, kind: 'trust', doc: r.trust });
  return out;
}

const statements = (m: Model) =>
  allPolicies(m).flatMap((p) => p.doc.Statement.map((s, i) => ({ ...p, s, at: `${p.where} statement ${s.Sid ?? i}` })));

/** Where AWS accepts no narrower resource than `*` for an action we grant; each entry says why. None today. */
export const WILDCARD_RESOURCE_ALLOWED: readonly { action: string; why: string }[] = [];

/** No `*`, `service:*` or `service:Get*` action, no NotAction, in an Allow: every granted action is named. */
export const wildcardActionsInAllow = (m: Model): string[] =>
  statements(m)
    .filter(({ s }) => s.Effect === 'Allow')
    .flatMap(({ s, at }) => [
      ...list(s.Action)
        .filter((a) => a.includes('*'))
        .map((a) => `${at}: Allow of wildcard action ${a}`),
      ...(s.NotAction !== undefined ? [`${at}: Allow with NotAction`] : []),
    ]);

/** Wildcard actions appear in Deny statements only (where they can only narrow); returns those statements. */
export const wildcardActionStatements = (m: Model): { at: string; effect: string }[] =>
  statements(m)
    .filter(({ s }) => list(s.Action).some((a) => a.includes('*')))
    .map(({ s, at }) => ({ at, effect: s.Effect }));

/** No Allow on `*` (or with NotResource) unless every action in it is listed in WILDCARD_RESOURCE_ALLOWED. */
export const wildcardResourcesInAllow = (m: Model): string[] =>
  statements(m)
    .filter(({ s }) => s.Effect === 'Allow')
    .flatMap(({ s, at, kind }) => {
      if (s.NotResource !== undefined) return [`${at}: Allow with NotResource`];
      // A trust policy's resource is the role it is attached to: it has no Resource element.
      if (kind === 'trust') return s.Resource === undefined ? [] : [`${at}: trust policy with a Resource element`];
      const resources = list(s.Resource);
      if (resources.length === 0) return [`${at}: Allow without a Resource`];
      // `*`, a whole service (`arn:aws:sqs:region:account:*`) or a wildcard in a bucket's name.
      const starred = resources.some(
        (r) => r === '*' || /^arn:aws:[a-z0-9-]+:[^:]*:[^:]*:\*$/.test(r) || /^arn:aws:s3:::[^/]*[*?]/.test(r),
      );
      const excused = list(s.Action).every((a) => WILDCARD_RESOURCE_ALLOWED.some((w) => w.action === a));
      return starred && !excused ? [`${at}: Allow on resource ${resources.join(', ')}`] : [];
    });

const principalValues = (s: Stmt): string[] =>
  s.Principal === undefined ? [] : s.Principal === '*' ? ['*'] : Object.values(s.Principal).flatMap((v) => list(v));

/** No Allow to everybody: no `*` principal (alone or as `{"AWS": "*"}`), no NotPrincipal. */
export const publicPrincipalsInAllow = (m: Model): string[] =>
  statements(m)
    .filter(({ s }) => s.Effect === 'Allow')
    .flatMap(({ s, at, kind }) => [
      ...principalValues(s)
        .filter((p) => p.includes('*'))
        .map((p) => `${at}: Allow to principal ${p}`),
      ...(s.NotPrincipal !== undefined ? [`${at}: Allow with NotPrincipal`] : []),
      ...(kind !== 'identity' && s.Principal === undefined ? [`${at}: resource policy Allow without a Principal`] : []),
    ]);

/** The two statements every bucket policy must hold: no plain HTTP, no TLS below 1.2, for everyone, on everything. */
function tlsDenyProblems(name: string, doc: Doc | undefined): string[] {
  const arn = `arn:aws:s3:::${name}`;
  const covers = (s: Stmt) =>
    s.Effect === 'Deny' &&
    s.Principal === '*' &&
    list(s.Action).includes('s3:*') &&
    [arn, `${arn}/*`].every((r) => list(s.Resource).includes(r));
  const has = (op: string, key: string, value: string) =>
    (doc?.Statement ?? []).some((s) => covers(s) && list(s.Condition?.[op]?.[key]).includes(value));
  return [
    ...(has('Bool', 'aws:SecureTransport', 'false') ? [] : [`bucket ${name}: no Deny of aws:SecureTransport false`]),
    ...(has('NumericLessThan', 's3:TlsVersion', '1.2') ? [] : [`bucket ${name}: no Deny of s3:TlsVersion below 1.2`]),
  ];
}

const PUBLIC_ACCESS_FLAGS = [
  'block_public_acls',
  'block_public_policy',
  'ignore_public_acls',
  'restrict_public_buckets',
];

/** Every bucket: public access block (all four), default encryption, ACLs disabled, a TLS-only policy. */
export function bucketProblems(m: Model): string[] {
  return [...m.buckets.values()].flatMap((b) => {
    const at = `${b.stack} bucket ${b.name}`;
    return [
      ...PUBLIC_ACCESS_FLAGS.filter((f) => b.publicAccessBlock?.[f] !== true).map(
        (f) => `${at}: public access block ${f} is not true`,
      ),
      ...(b.sseAlgorithm === 'AES256' || b.sseAlgorithm === 'aws:kms' ? [] : [`${at}: no default encryption`]),
      ...(b.ownership === 'BucketOwnerEnforced'
        ? []
        : [`${at}: object ownership is ${b.ownership ?? 'unset'}, not BucketOwnerEnforced`]),
      ...tlsDenyProblems(b.name, b.policy).map((p) => `${b.stack} ${p}`),
    ];
  });
}

const wholeBucket = (r: LifecycleRule) =>
  r.status === 'Enabled' && (r.filter ?? []).length === 1 && (r.filter ?? [])[0].prefix === '';
const days = (n: number | undefined) => typeof n === 'number' && n > 0;

/**
 * How long things stay. Every bucket aborts incomplete multipart uploads (parts nobody sees, billed and kept
 * forever otherwise); versioned buckets expire overwritten versions (the export bucket keeps every upload's earlier
 * versions); and `mustExpire` buckets expire their objects (the ledger, whose records name exported keys).
 */
export function lifecycleProblems(m: Model, mustExpire: readonly string[]): string[] {
  const missing = mustExpire.filter((name) => !m.buckets.has(name)).map((name) => `bucket ${name}: not created`);
  return [...m.buckets.values()].flatMap((b) => {
    const at = `${b.stack} bucket ${b.name}`;
    const rules = b.lifecycle.filter(wholeBucket);
    const has = (f: (r: LifecycleRule) => boolean) => rules.some(f);
    return [
      ...(has((r) => days(r.abort_incomplete_multipart_upload?.[0]?.days_after_initiation))
        ? []
        : [`${at}: no lifecycle rule aborting incomplete multipart uploads`]),
      ...(!b.versioned || has((r) => days(r.noncurrent_version_expiration?.[0]?.noncurrent_days))
        ? []
        : [`${at}: versioned, but no lifecycle rule expiring noncurrent versions`]),
      ...(!mustExpire.includes(b.name) || has((r) => days(r.expiration?.[0]?.days))
        ? []
        : [`${at}: no lifecycle rule expiring its objects`]),
    ];
  }).concat(missing);
}

/** Log groups keep logs for a set time, and every function logs into one of them (not an unmanaged default group). */
export function logProblems(m: Model): string[] {
  const groups = [...m.logGroups].flatMap(([name, g]) =>
    typeof g.retention === 'number' && g.retention > 0 ? [] : [`${g.stack} log group ${name}: no retention`],
  );
  const functions = [...m.functions.values()].flatMap((f) => {
    const group = f.logGroup ?? `/aws/lambda/${f.name}`;
    const found = m.logGroups.get(group);
    return found && found.stack === f.stack
      ? []
      : [`${f.stack} function ${f.name}: logs to ${group}, which no stack of its own creates`];
  });
  return [...groups, ...functions];
}

/** Dead-letter queues hold S3 events (bucket and key names): encrypted at rest. */
export const queueProblems = (m: Model): string[] =>
  [...m.queues].flatMap(([arn, q]) => [
    ...(q.sse ? [] : [`${q.stack} ${arn}: not encrypted`]),
    ...(q.value ? [] : [`${q.stack} ${arn}: no queue policy`]),
  ]);

/**
 * Routing is a permission too: a rule matching `proj` instead of `proj/` would hand proj_2's files to proj's exporter,
 * which may then deliver them (it cannot read them, but the wrong function runs). Each rule must match exactly the
 * export bucket and `<DATASET>/` of the function it targets, and that function's target must be the one bucket its
 * role may write (besides its own handovers, ledger records and receipts, which it must keep where the function and
 * the dataset's users look for them).
 */
export function routingProblems(m: Model, settings: PlatformSettings): string[] {
  const { exportBucket } = settings;
  const ledger = ledgerBucketName(settings);
  return [...m.rules.values()].flatMap((r) => {
    const at = `${r.stack} rule ${r.name}`;
    const p = r.pattern as { detail?: { bucket?: { name?: unknown }; object?: { key?: unknown } } };
    if (r.targets.length !== 1) return [`${at}: expected one target, found ${r.targets.length}`];
    const fn = m.functions.get(r.targets[0]);
    if (!fn) return [`${at}: target ${r.targets[0]} is not a function of these stacks`];
    const out: string[] = [];
    const prefix = exportPrefix(fn.env.DATASET);
    // Every exporter also hears its own handovers (functions/exporter/handover.ts).
    const handovers = handoverPrefix(fn.env.DATASET);
    const prefixes = [prefix, handovers];
    if (JSON.stringify(p.detail?.bucket?.name) !== JSON.stringify([exportBucket]))
      out.push(`${at}: does not match only bucket ${exportBucket}`);
    if (JSON.stringify(p.detail?.object?.key) !== JSON.stringify(prefixes.map((x) => ({ prefix: x })))) {
      out.push(
        `${at}: key filter ${JSON.stringify(p.detail?.object?.key)} is not exactly the prefixes ` +
          prefixes.map((x) => `"${x}"`).join(' and '),
      );
    }
    const writes = (m.identity.get(fn.role) ?? [])
      .flatMap((d) => d.value.Statement)
      .filter((s) => s.Effect === 'Allow' && list(s.Action).includes('s3:PutObject'))
      .flatMap((s) => list(s.Resource));
    const target = `arn:aws:s3:::${fn.env.TARGET_BUCKET}/`;
    // Besides its target, an exporter writes its own handovers, ledger records and receipts, nothing else of ours.
    const own = [
      `arn:aws:s3:::${exportBucket}/${handovers}*`,
      `arn:aws:s3:::${exportBucket}/${receiptPrefix(fn.env.DATASET)}*`,
      `arn:aws:s3:::${ledger}/${ledgerPrefix(fn.env.DATASET)}*`,
    ];
    if (fn.env.LEDGER_BUCKET !== ledger)
      out.push(`${at}: its function keeps its ledger in ${fn.env.LEDGER_BUCKET ?? 'no bucket'}, not ${ledger}`);
    const elsewhere = writes.filter((w) => !w.startsWith(target) && !own.includes(w));
    if (writes.filter((w) => w.startsWith(target)).length !== 1 || elsewhere.length > 0) {
      const expected = [`objects of ${target}`, ...own].join(' and ');
      out.push(`${at}: its role writes ${writes.join(', ') || 'nothing'}, expected ${expected} only`);
    }
    return out;
  });
}

/** Roles are assumed by the Lambda service only: one Allow of sts:AssumeRole to lambda.amazonaws.com, nothing else. */
export const trustProblems = (m: Model): string[] =>
  [...m.roles].flatMap(([arn, r]) =>
    r.trust.Statement.filter(
      (s) =>
        s.Effect === 'Allow' &&
        !(
          JSON.stringify(s.Principal) === '{"Service":"lambda.amazonaws.com"}' &&
          JSON.stringify(list(s.Action)) === '["sts:AssumeRole"]'
        ),
    ).map(
      (s) =>
        `${r.stack} trust of ${arn}: statement ${s.Sid ?? ''} allows ${JSON.stringify(s.Principal)} ${JSON.stringify(
          s.Action,
        )}`,
    ),
  );
