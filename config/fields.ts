import * as t from 'io-ts';
import { bucketNameProblem } from '../naming';
import { Refusal, leaf, schemaOf, type Described, type JsonSchema } from './codec';
import { describe } from './problem';

/** The leaf codecs of a dataset file. Names read as "expected <name>". */

const isString = (u: unknown): u is string => typeof u === 'string';
const isBoolean = (u: unknown): u is boolean => typeof u === 'boolean';

const PLACEHOLDER = /<<[^>]*>>|<<|>>/;

/** Text that is not blank and holds no template placeholder, as JSON Schema. */
const TEXT_SCHEMA = { type: 'string', pattern: '\\S', not: { pattern: '<<|>>' } } as const;

/**
 * Any text field: present, not blank, and not a template placeholder such as `<<new_project>>`. `schema` says the
 * refinement's rule as JSON Schema, as far as a schema can.
 */
function text(
  what: string,
  refine: (s: string) => string | Refusal = (s) => s,
  schema: JsonSchema = TEXT_SCHEMA,
): t.Type<string, string, unknown> & Described {
  const checks = (u: unknown) => {
    if (typeof u !== 'string') return new Refusal(`expected ${what}, found ${describe(u)}`);
    const s = u.trim();
    if (s === '') return new Refusal(`expected ${what}, found an empty string`);
    const placeholder = s.match(PLACEHOLDER);
    if (placeholder) {
      return new Refusal(`expected ${what}, found the template placeholder ${JSON.stringify(s)}: replace it`);
    }
    return refine(s);
  };
  const not = schema.not && schema !== TEXT_SCHEMA ? { anyOf: [TEXT_SCHEMA.not, schema.not] } : TEXT_SCHEMA.not;
  return leaf(what, isString, checks, { ...schema, not });
}

const DATASET_NAME = 'a dataset name (lower case letters, digits and underscores, starting with a letter)';

export const datasetName = text(DATASET_NAME, (s) => {
  const found = `expected ${DATASET_NAME}, found ${JSON.stringify(s)}`;
  const stem = s.replace(/\.(ya?ml)$/i, '');
  if (stem !== s) return new Refusal(`${found}: the name is the file name without ".yaml"; write "name: ${stem}"`);
  if (/^[a-z][a-z0-9_]*$/.test(s)) return s;
  const fixed = s.toLowerCase().replace(/[-\s.]+/g, '_');
  if (s.includes('-')) return new Refusal(`${found}: hyphens are not allowed; use underscores: "${fixed}"`);
  if (/[A-Z]/.test(s)) return new Refusal(`${found}: capitals are not allowed; use lower case: "${fixed}"`);
  if (!/^[a-z]/.test(s)) return new Refusal(`${found}: it must start with a lower case letter`);
  const bad = s.match(/[^a-z0-9_]/)![0];
  return new Refusal(`${found}: ${JSON.stringify(bad)} is not allowed`);
}, { type: 'string', pattern: '^[a-z][a-z0-9_]*$' });

/** The S3 naming rules naming/bucket-name.ts checks, as far as JSON Schema can say them. */
const BUCKET_NAME_SCHEMA = {
  type: 'string',
  minLength: 3,
  maxLength: 63,
  pattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$',
  not: {
    anyOf: [
      { pattern: '\\.\\.' },
      { pattern: '^\\d{1,3}(\\.\\d{1,3}){3}$' },
      { pattern: '^(xn--|sthree-|amzn-s3-demo-)' },
      { pattern: '(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)$' },
    ],
  },
};

export const bucketName = text('an S3 bucket name', (s) => {
  const found = `expected an S3 bucket name, found ${JSON.stringify(s)}`;
  const arn = s.match(/^arn:aws[\w-]*:s3:::([^/]*)(\/.*)?$/);
  if (arn) return new Refusal(`${found}: remove the "arn:aws:s3:::" prefix and write "bucket: ${arn[1]}"`);
  const url = s.match(/^s3:\/\/([^/]*)(\/.*)?$/);
  if (url) return new Refusal(`${found}: remove the "s3://" prefix and write "bucket: ${url[1]}"`);
  if (s.includes('/')) {
    return new Refusal(`${found}: give the bucket name only; exports keep their path under the dataset folder`);
  }
  const problem = bucketNameProblem(s);
  return problem ? new Refusal(`${found}: a bucket name ${problem}`) : s;
}, BUCKET_NAME_SCHEMA);

const USERNAME = 'a platform username such as "alpha_user_jbloggs"';

export const username = text(USERNAME, (s) => {
  const found = `expected ${USERNAME}, found ${JSON.stringify(s)}`;
  const fromArn = s.match(/^arn:aws:iam::\d*:role\/(?:.*\/)?(alpha_user_[^/]+)$/);
  if (fromArn) return new Refusal(`${found}: give the username alone: "${fromArn[1]}"`);
  if (!s.startsWith('alpha_user_')) return new Refusal(`${found}: platform usernames start with "alpha_user_"`);
  const id = s.slice('alpha_user_'.length);
  if (!/^[A-Za-z0-9-]+$/.test(id)) {
    return new Refusal(`${found}: after "alpha_user_" only letters, digits and hyphens are allowed`);
  }
  // The username is an IAM role name: at most 64 characters.
  if (s.length > 64) return new Refusal(`${found}: it is ${s.length} characters long; IAM allows 64`);
  return s;
}, { type: 'string', pattern: '^alpha_user_[A-Za-z0-9-]+$', maxLength: 64 });

export const paperwork = text('a link to or reference of the DPIA or data sharing agreement');

export const flag = leaf('true or false', isBoolean, checkFlag, { type: 'boolean' });

function checkFlag(u: unknown): boolean | Refusal {
  if (typeof u === 'boolean') return u;
  const found = `expected true or false, found ${describe(u)}`;
  if (Array.isArray(u) && u.length === 1 && typeof u[0] === 'boolean') {
    return new Refusal(`${found}: write ${u[0]} without brackets`);
  }
  if (typeof u === 'string' && /^(true|false|yes|no|on|off)$/i.test(u.trim())) {
    const value = /^(true|yes|on)$/i.test(u.trim());
    return new Refusal(`${found}: write ${value} without quotes (YAML 1.2 reads yes/no/on/off as text)`);
  }
  return new Refusal(found);
}

export const TRANSFER_MODES = ['copy', 'stream'] as const;
export type TransferMode = (typeof TRANSFER_MODES)[number];

export const transferMode = leaf(
  '"copy" or "stream"',
  (u): u is TransferMode => TRANSFER_MODES.includes(u as TransferMode),
  (u) => {
    const s = typeof u === 'string' ? u.trim().toLowerCase() : u;
    if (TRANSFER_MODES.includes(s as TransferMode)) return s as TransferMode;
    return new Refusal(`expected "copy" (server-side copy, the default) or "stream", found ${describe(u)}`);
  },
  { enum: [...TRANSFER_MODES] },
);

const ROLE_ARN = 'an IAM role ARN such as "arn:aws:iam::123456789012:role/reader"';

export const roleArn = text(ROLE_ARN, (s) => {
  const found = `expected ${ROLE_ARN}, found ${JSON.stringify(s)}`;
  if (/^arn:aws[\w-]*:s3:/.test(s)) {
    return new Refusal(`${found}: that is an S3 bucket ARN; pull_arns lists the IAM roles that will read the bucket`);
  }
  if (s.includes('*')) return new Refusal(`${found}: wildcards are not allowed; list each role`);
  const sts = s.match(/^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//);
  if (sts) {
    return new Refusal(`${found}: that is a role session; use the role itself: "arn:aws:iam::${sts[1]}:role/${sts[2]}"`);
  }
  const iam = s.match(/^arn:aws:iam::([^:]*):([a-z-]+)\/(.+)$/);
  if (!iam) return new Refusal(found);
  const [, account, type, rest] = iam;
  if (!/^\d{12}$/.test(account)) return new Refusal(`${found}: the account ID must be 12 digits`);
  if (type !== 'role') return new Refusal(`${found}: that is an IAM ${type}; only roles can be granted access`);
  const parts = rest.split('/');
  const bad = parts.find((p) => !/^[\w+=,.@-]{1,64}$/.test(p));
  if (bad !== undefined) {
    return new Refusal(`${found}: role names and paths use letters, digits and +=,.@_- (1 to 64 characters each)`);
  }
  return s;
}, { type: 'string', pattern: '^arn:aws:iam::\\d{12}:role/([\\w+=,.@-]{1,64}/)*[\\w+=,.@-]{1,64}$' });

const KMS_KEY_ARN =
  'a KMS key ARN such as "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"';
const KEY_ID = '(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/** The key itself, never an alias: IAM and key policies authorise S3's use of the key by the key's ARN. */
export const kmsKeyArn = text(KMS_KEY_ARN, (s) => {
  const found = `expected ${KMS_KEY_ARN}, found ${JSON.stringify(s)}`;
  if (s.includes('*')) return new Refusal(`${found}: wildcards are not allowed; give the one key`);
  if (new RegExp(`^${KEY_ID}$`).test(s)) {
    return new Refusal(`${found}: give the whole ARN, "arn:aws:kms:<region>:<account>:key/${s}"`);
  }
  if (/^(arn:aws:kms:[^:]*:[^:]*:)?alias\//.test(s)) {
    return new Refusal(
      `${found}: give the key's ARN, not an alias (permissions name the key itself); the receiver finds it with ` +
        `"aws kms describe-key --key-id ${s}"`,
    );
  }
  const arn = s.match(/^arn:aws:kms:([^:]*):([^:]*):key\/(.*)$/);
  if (!arn) return new Refusal(found);
  const [, region, account, id] = arn;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) return new Refusal(`${found}: "${region}" is not an AWS region`);
  if (!/^\d{12}$/.test(account)) return new Refusal(`${found}: the account ID must be 12 digits`);
  if (!new RegExp(`^${KEY_ID}$`).test(id)) {
    return new Refusal(`${found}: a key ID is a UUID, or "mrk-" and 32 hex digits for a multi-Region key`);
  }
  return s;
}, { type: 'string', pattern: `^arn:aws:kms:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:key/${KEY_ID}$` });

/** A non-empty list without repeats; the repeat is reported where it stands. */
export function list<C extends t.Mixed>(
  item: C,
  what: string,
): t.Type<t.TypeOf<C>[], t.TypeOf<C>[], unknown> & Described {
  const codec = new t.Type<t.TypeOf<C>[], t.TypeOf<C>[], unknown>(
    `a list of ${what}`,
    (u): u is t.TypeOf<C>[] => Array.isArray(u) && u.every(item.is),
    (u, c) => {
      if (!Array.isArray(u)) {
        const hint = typeof u === 'string' ? ': put each on its own line starting with "- "' : '';
        return t.failure(u, c, `expected a list of ${what}, found ${describe(u)}${hint}`);
      }
      if (u.length === 0) return t.failure(u, c, `expected at least one of ${what}, found an empty list`);
      const errors: t.ValidationError[] = [];
      const out: t.TypeOf<C>[] = [];
      const seen = new Map<unknown, number>();
      u.forEach((value, i) => {
        const context = t.appendContext(c, String(i), item, value);
        const first = seen.get(value);
        if (first !== undefined) {
          errors.push({ value, context, message: `${describe(value)} is listed twice (first as item ${first + 1})` });
          return;
        }
        seen.set(value, i);
        const result = item.validate(value, context);
        if (result._tag === 'Left') errors.push(...result.left);
        else out.push(result.right);
      });
      return errors.length > 0 ? t.failures(errors) : t.success(out);
    },
    t.identity,
  );
  return Object.assign(codec, {
    schema: { type: 'array', items: schemaOf(item), minItems: 1, uniqueItems: true },
  });
}
