import {
  MAX_ROLE_NAME_LENGTH,
  artifactBucketName,
  auditResultsBucketName,
  bucketNameProblem,
  exporterName,
  ledgerBucketName,
  pullBucketName,
  type PlatformSettings,
} from '../naming';
import { asDatasetName, isDatasetName } from './fields';
import type { PullDataset, PushDataset } from './datasets';
import type { Path } from './yaml-source';

/**
 * Rules a single field cannot express: they depend on the file name, the platform settings, or names derived from
 * the dataset (rules across files are in load.ts). Pure: they return what is wrong and at which field; the loader
 * locates and reports it.
 */
export interface RuleViolation {
  readonly path: Path;
  readonly message: string;
}

/** What the datasetName codec suggests for a name with capitals, hyphens, spaces or dots (it trims first). */
const normalised = (s: string): string => asDatasetName(s.trim());

/**
 * The name and the file's name, checked together, so that one message says which to change (the file, the name, or
 * both) and a reader is never sent from one to the other. `name` is the field as written, valid or not. Undefined
 * when they agree, or when only the name is wrong: its own message then says how to fix it. When this returns a
 * violation, it replaces the name field's own message.
 */
export function nameAndFile(name: unknown, fileStem: string): RuleViolation | undefined {
  if (isDatasetName(fileStem)) {
    if (!isDatasetName(name) || name === fileStem) return undefined;
    return {
      path: ['name'],
      message:
        `expected "${fileStem}" (the file's name without .yaml), found "${name}": ` +
        `write "name: ${fileStem}", or rename the file to "${name}.yaml"`,
    };
  }
  // No dataset can have this file's name, so the file is renamed: after a valid name, else after the corrected name.
  const found =
    'expected the file to be named after the dataset (lower case letters, digits and underscores, starting with ' +
    `a letter, then ".yaml"), found the file name "${fileStem}.yaml"`;
  const target = [name, normalised(fileStem), typeof name === 'string' ? normalised(name) : undefined].find(
    isDatasetName,
  );
  if (target === undefined) {
    const fix = 'choose a name starting with a letter, rename the file to "<name>.yaml" and write "name: <name>"';
    return { path: ['name'], message: `${found}: ${fix}` };
  }
  const alsoName = name === target ? '' : ` and write "name: ${target}"`;
  return { path: ['name'], message: `${found}: rename the file to "${target}.yaml"${alsoName}` };
}

export function pushRules(d: PushDataset, s: PlatformSettings): RuleViolation[] {
  const out: RuleViolation[] = [];
  const role = exporterName(d.name);
  if (role.length > MAX_ROLE_NAME_LENGTH) {
    const max = d.name.length - (role.length - MAX_ROLE_NAME_LENGTH);
    out.push({
      path: ['name'],
      message: `is too long: the exporter role "${role}" would have ${role.length} characters and IAM allows ${MAX_ROLE_NAME_LENGTH}; use at most ${max} characters`,
    });
  }
  if (d.bucket === s.exportBucket) {
    out.push({
      path: ['bucket'],
      message: `expected the receiving bucket, found the export bucket "${s.exportBucket}" itself: every file would be exported back into it`,
    });
  } else if (d.bucket === artifactBucketName(s)) {
    // In our own account an identity policy alone grants access: the exporter would overwrite the exporter's code.
    out.push({
      path: ['bucket'],
      message: `expected the receiving bucket, found "${d.bucket}", which holds the exporter's code: ask the receiver for their bucket's name`,
    });
  } else if (d.bucket === ledgerBucketName(s)) {
    // Our own account again: only the role's s3:ResourceAccount condition would keep deliveries off every record.
    out.push({
      path: ['bucket'],
      message: `expected the receiving bucket, found "${d.bucket}", which holds the exporters' ledger: ask the receiver for their bucket's name`,
    });
  }
  if (d.bucket_owner === s.account) {
    // The role's s3:ResourceAccount condition would then admit every bucket of ours, where no receiver consents.
    out.push({
      path: ['bucket_owner'],
      message:
        `expected the receiver's account, found the platform's own account (${s.account}): ` +
        "ask the receiver for the ID of the account that owns their bucket",
    });
  }
  const keyAccount = d.kms_key_arn?.split(':')[4];
  if (keyAccount === s.account) {
    // Our identity policy alone would then let the exporter use one of the platform's own keys.
    out.push({
      path: ['kms_key_arn'],
      message:
        `expected the receiver's key, found a key of the platform's own account (${s.account}): ` +
        "ask the receiver for their bucket's key ARN",
    });
  } else if (keyAccount !== undefined && keyAccount !== d.bucket_owner) {
    // The exporter's key statement is pinned to the receiving account as its bucket statements are, so a key of
    // another account would be refused at the first write; most likely it was pasted from another request.
    out.push({
      path: ['kms_key_arn'],
      message:
        `expected a key of the receiving account ${d.bucket_owner} (bucket_owner), found a key of account ${keyAccount}: ` +
        "ask the receiver for their bucket's key ARN, or correct bucket_owner",
    });
  }
  return out;
}

export function pullRules(d: PullDataset, s: PlatformSettings): RuleViolation[] {
  const out: RuleViolation[] = [];
  const bucket = pullBucketName(s, d.name);
  const problem = bucketNameProblem(bucket);
  if (problem) {
    out.push({ path: ['name'], message: `gives the bucket name "${bucket}", which ${problem}` });
  } else if (bucket === s.exportBucket) {
    out.push({
      path: ['name'],
      message: `gives the bucket name "${bucket}", which is the export bucket's: choose another name`,
    });
  } else if (bucket === artifactBucketName(s)) {
    // Its users' role policies would reach the exporter's code even though creating the bucket would fail.
    out.push({
      path: ['name'],
      message: `gives the bucket name "${bucket}", which holds the exporter's code: choose another name`,
    });
  } else if (bucket === ledgerBucketName(s)) {
    // Its users' role policies would reach every exporter's records, which decide what is delivered and what skipped.
    out.push({
      path: ['name'],
      message: `gives the bucket name "${bucket}", which holds the exporters' ledger: choose another name`,
    });
  } else if (bucket === auditResultsBucketName(s)) {
    // Its users' role policies would reach the results of every audit query (what was sent, to whom).
    out.push({
      path: ['name'],
      message: `gives the bucket name "${bucket}", which holds the audit table's query results: choose another name`,
    });
  }
  return out;
}
