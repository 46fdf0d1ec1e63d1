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
import type { PullDataset, PushDataset } from './datasets';
import type { Path } from './yaml-source';

/**
 * Rules a single field cannot express: they depend on the file name, the platform settings, or names derived from
 * the dataset. Pure: they return what is wrong and at which field; the loader locates and reports it.
 */
export interface RuleViolation {
  readonly path: Path;
  readonly message: string;
}

function nameMatchesFile(name: string, fileStem: string): RuleViolation[] {
  if (name === fileStem) return [];
  return [
    {
      path: ['name'],
      message: `expected "${fileStem}" (the file's name without .yaml), found "${name}": make the name and the file name the same`,
    },
  ];
}

export function pushRules(d: PushDataset, fileStem: string, s: PlatformSettings): RuleViolation[] {
  const out = nameMatchesFile(d.name, fileStem);
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

export function pullRules(d: PullDataset, fileStem: string, s: PlatformSettings): RuleViolation[] {
  const out = nameMatchesFile(d.name, fileStem);
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
