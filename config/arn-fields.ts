import { Refusal } from './codec';
import { text } from './fields';

/**
 * The ARN fields of a dataset file, with a hint for each ARN people give by mistake: an account, a session, a Lambda
 * function, a user, another service's ARN, each told what to ask the receiver for instead.
 */

const ROLE_ARN = 'an IAM role ARN such as "arn:aws:iam::123456789012:role/reader"';
const ROLE_ARN_PATTERN = '^arn:aws:iam::\\d{12}:role/([\\w+=,.@-]{1,64}/)*[\\w+=,.@-]{1,64}$';

/** Why pull_arns takes no account: a bucket policy naming one lets that account's administrators admit anyone in it. */
const WHOLE_ACCOUNT = 'granting a whole account lets its administrators give any of its users and roles access';
/** What to ask the receiver for instead, in the receiver's account when it is known. */
const askForRole = (account = '<account>') =>
  `ask the receiver for the ARN of the IAM role that will read the bucket, "arn:aws:iam::${account}:role/<name>"`;

export const roleArn = text(
  ROLE_ARN,
  (s) => {
    const found = `expected ${ROLE_ARN}, found ${JSON.stringify(s)}`;
    if (/^arn:aws[\w-]*:s3:/.test(s)) {
      return new Refusal(`${found}: that is an S3 bucket ARN; pull_arns lists the IAM roles that will read the bucket`);
    }
    if (s.includes('*')) return new Refusal(`${found}: wildcards are not allowed; list each role`);
    if (/^\d{12}$/.test(s)) {
      return new Refusal(`${found}: that is an AWS account ID, not a role; ${WHOLE_ACCOUNT}; ${askForRole(s)}`);
    }
    const sts = s.match(/^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)(\/|$)/);
    if (sts) {
      return new Refusal(
        `${found}: that is a role session; use the role itself: "arn:aws:iam::${sts[1]}:role/${sts[2]}"`,
      );
    }
    const lambda = s.match(/^arn:aws:lambda:[^:]*:(\d{12}):function:/);
    if (lambda) {
      return new Refusal(
        `${found}: that is a Lambda function; it reads the bucket as its execution role: ask the receiver for that ` +
          `role's ARN (the function's Configuration, Permissions), "arn:aws:iam::${lambda[1]}:role/<name>"`,
      );
    }
    const root = s.match(/^arn:aws:iam::(\d{12}):root$/);
    if (root) {
      const fix = askForRole(root[1]);
      return new Refusal(`${found}: that is the account itself (its root), not a role; ${WHOLE_ACCOUNT}; ${fix}`);
    }
    const service = s.match(/^arn:aws[\w-]*:([a-z0-9-]+):[^:]*:([^:]*):/);
    if (service && service[1] !== 'iam' && service[1] !== 'sts') {
      const fix = askForRole(/^\d{12}$/.test(service[2]) ? service[2] : undefined);
      return new Refusal(`${found}: that is an ARN of the "${service[1]}" service, not of an IAM role; ${fix}`);
    }
    const iam = s.match(/^arn:aws:iam::([^:]*):([a-z-]+)\/(.+)$/);
    if (!iam) return new Refusal(found);
    const [, account, type, rest] = iam;
    if (!/^\d{12}$/.test(account)) return new Refusal(`${found}: the account ID must be 12 digits`);
    if (type !== 'role') {
      return new Refusal(`${found}: that is an IAM ${type}; only roles can be granted access: ${askForRole(account)}`);
    }
    const parts = rest.split('/');
    const bad = parts.find((p) => !/^[\w+=,.@-]{1,64}$/.test(p));
    if (bad !== undefined) {
      return new Refusal(`${found}: role names and paths use letters, digits and +=,.@_- (1 to 64 characters each)`);
    }
    return s;
  },
  { type: 'string', pattern: ROLE_ARN_PATTERN },
  (u) => {
    // YAML reads an unquoted account ID as a number (and drops a leading zero).
    if (typeof u !== 'number' || !Number.isInteger(u) || u < 1e9 || u > 999_999_999_999) return undefined;
    const account = String(u).length === 12 ? String(u) : undefined;
    return new Refusal(
      `expected ${ROLE_ARN}, found the number ${u}: an AWS account ID is not a role; ${WHOLE_ACCOUNT}; ` +
        askForRole(account),
    );
  },
);

const KMS_KEY_ARN =
  'a KMS key ARN such as "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"';
const KEY_ID = '(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/** The key itself, never an alias: IAM and key policies authorise S3's use of the key by the key's ARN. */
export const kmsKeyArn = text(
  KMS_KEY_ARN,
  (s) => {
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
  },
  { type: 'string', pattern: `^arn:aws:kms:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:key/${KEY_ID}$` },
);
