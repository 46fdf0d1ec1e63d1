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
 * refinement's rule as JSON Schema, as far as a schema can; `notText` may explain a value that is not text (a number).
 */
export function text(
  what: string,
  refine: (s: string) => string | Refusal = (s) => s,
  schema: JsonSchema = TEXT_SCHEMA,
  notText: (u: unknown) => Refusal | undefined = () => undefined,
): t.Type<string, string, unknown> & Described {
  const checks = (u: unknown) => {
    if (typeof u !== 'string') return notText(u) ?? new Refusal(`expected ${what}, found ${describe(u)}`);
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
const DATASET_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** Whether `u` is a valid dataset name (the codec's rule, for rules that check names outside it: rules.ts). */
export const isDatasetName = (u: unknown): u is string => typeof u === 'string' && DATASET_NAME_PATTERN.test(u);
/** The dataset name a name with capitals, hyphens, spaces or dots was meant to be: what messages suggest. */
export const asDatasetName = (s: string): string => s.toLowerCase().replace(/[-\s.]+/g, '_');

export const datasetName = text(DATASET_NAME, (s) => {
  const found = `expected ${DATASET_NAME}, found ${JSON.stringify(s)}`;
  const stem = s.replace(/\.(ya?ml)$/i, '');
  if (stem !== s) return new Refusal(`${found}: the name is the file name without ".yaml"; write "name: ${stem}"`);
  if (DATASET_NAME_PATTERN.test(s)) return s;
  const fixed = asDatasetName(s);
  if (s.includes('-')) return new Refusal(`${found}: hyphens are not allowed; use underscores: "${fixed}"`);
  if (/[A-Z]/.test(s)) return new Refusal(`${found}: capitals are not allowed; use lower case: "${fixed}"`);
  if (!/^[a-z]/.test(s)) return new Refusal(`${found}: it must start with a lower case letter`);
  const bad = s.match(/[^a-z0-9_]/)![0];
  return new Refusal(`${found}: ${JSON.stringify(bad)} is not allowed`);
}, { type: 'string', pattern: DATASET_NAME_PATTERN.source });

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
      { pattern: '(^|\\.)s3([.-][a-z0-9-]+)*\\.amazonaws\\.com$' },
    ],
  },
};

export const bucketName = text('an S3 bucket name', (s) => {
  const found = `expected an S3 bucket name, found ${JSON.stringify(s)}`;
  const arn = s.match(/^arn:aws[\w-]*:s3:::([^/]*)(\/.*)?$/);
  if (arn) return new Refusal(`${found}: remove the "arn:aws:s3:::" prefix and write "bucket: ${arn[1]}"`);
  const url = s.match(/^s3:\/\/([^/]*)(\/.*)?$/);
  if (url) return new Refusal(`${found}: remove the "s3://" prefix and write "bucket: ${url[1]}"`);
  const endpoint = bucketInEndpoint(s);
  if (endpoint !== undefined) {
    const write = endpoint === '' ? 'give the bucket name only' : `write "bucket: ${endpoint}"`;
    return new Refusal(`${found}: that is an address, not a bucket name; ${write}`);
  }
  if (s.includes('/')) {
    return new Refusal(`${found}: give the bucket name only; exports keep their path under the dataset folder`);
  }
  const problem = bucketNameProblem(s);
  return problem ? new Refusal(`${found}: a bucket name ${problem}`) : s;
}, BUCKET_NAME_SCHEMA);

/**
 * The bucket in an S3 address pasted from the console or a browser: virtual-hosted (`x.s3.amazonaws.com`,
 * `x.s3.eu-west-2.amazonaws.com`, `x.s3-eu-west-2.amazonaws.com`, with or without `https://`) or path-style
 * (`https://s3.eu-west-2.amazonaws.com/x/…`), or the console's page of the bucket. `''` for any other URL; undefined when `s` is no address.
 */
function bucketInEndpoint(s: string): string | undefined {
  const bare = s.replace(/^https?:\/\//i, '');
  const s3 = 's3(?:[.-][a-z0-9-]+)*\\.amazonaws\\.com(?:\\.cn)?';
  const virtual = bare.match(new RegExp(`^([a-z0-9][a-z0-9.-]*?)\\.${s3}(?:/.*)?$`, 'i'));
  if (virtual) return virtual[1];
  const pathStyle = bare.match(new RegExp(`^${s3}(?:/([^/?#]*))?`, 'i'));
  if (pathStyle) return pathStyle[1] ?? '';
  const console = bare.match(/^[a-z0-9.-]*console\.aws\.amazon\.com\/s3\/buckets\/([^/?#]+)/i);
  if (console) return console[1];
  return bare === s ? undefined : '';
}

const USERNAME = 'a platform username such as "alpha_user_jbloggs"';

export const username = text(USERNAME, (s) => {
  const found = `expected ${USERNAME}, found ${JSON.stringify(s)}`;
  const fromArn = s.match(/^arn:aws:iam::\d*:role\/(?:.*\/)?(alpha_user_[^/]+)$/);
  if (fromArn) return new Refusal(`${found}: give the username alone: "${fromArn[1]}"`);
  if (!s.startsWith('alpha_user_')) {
    // Only the prefix is corrected: the id after it is the person's own and may hold capitals and hyphens.
    const near = s.match(/^alpha[-_ ]?user[-_ ]?([A-Za-z0-9-]+)$/i);
    const meant = near && `alpha_user_${near[1]}`;
    if (meant && meant.length <= 64) return new Refusal(`${found}: did you mean "${meant}"?`);
    return new Refusal(`${found}: platform usernames start with "alpha_user_"`);
  }
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

const ACCOUNT_ID = 'the 12-digit ID of the AWS account that owns the bucket, such as "123456789012"';
const FIND_ACCOUNT_ID =
  "the receiver sees it in the AWS console's account menu, top right, or runs " +
  '"aws sts get-caller-identity --query Account" in that account';

/**
 * An AWS account ID, as written. YAML reads an unquoted one as a number, so the loader hands over its text
 * (`asWritten`); a number that still arrives here (an alias, a JSON value) lost any leading zero and is refused.
 */
export const accountId = leaf(
  `${ACCOUNT_ID} (${FIND_ACCOUNT_ID})`,
  isString,
  (u) => {
    const expected = `expected ${ACCOUNT_ID}`;
    if (typeof u === 'number') return new Refusal(`${expected}, found the number ${u}: write it in quotes`);
    if (typeof u !== 'string' || u.trim() === '') return new Refusal(`${expected}, found ${describe(u)}: ${FIND_ACCOUNT_ID}`);
    const s = u.trim();
    const found = `${expected}, found ${JSON.stringify(s)}`;
    if (PLACEHOLDER.test(s)) {
      return new Refusal(`${expected}, found the template placeholder ${JSON.stringify(s)}: replace it; ${FIND_ACCOUNT_ID}`);
    }
    if (/^\d{12}$/.test(s)) return s;
    const digits = s.replace(/[\s-]/g, '');
    if (/^\d{12}$/.test(digits)) return new Refusal(`${found}: write the digits alone, "${digits}"`);
    if (/^\d+$/.test(s)) return new Refusal(`${found}: it has ${s.length} digits; ${FIND_ACCOUNT_ID}`);
    if (/^arn:/.test(s)) return new Refusal(`${found}: give the account ID alone (the 12 digits in the ARN)`);
    return new Refusal(`${found}: ${FIND_ACCOUNT_ID}`);
  },
  // An unquoted ID is a number to editors (without its leading zero, which validate keeps).
  { anyOf: [{ type: 'string', pattern: '^\\d{12}$' }, { type: 'integer', minimum: 0, maximum: 999_999_999_999 }] },
);

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

/** Why a dataset is paused: the field's presence pauses it (stacks/, describe/), its text says why. */
export const pauseReason = text(
  'the reason for the pause as text (an incident or ticket reference), such as "INC-1234: receiver reported a breach"',
);
