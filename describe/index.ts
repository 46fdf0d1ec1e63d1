import type { PullDataset, PushDataset } from '../config/datasets';
import { SETTINGS, type Settings } from '../settings';
import { pullReaderPolicy } from '../stacks/policies';
import {
  alarmTopicName,
  bucketArn,
  deadLetterQueueName,
  exporterLogGroup,
  exporterRoleArn,
  exportPrefix,
  type PlatformSettings,
  type PolicyDocument,
  type PolicyStatement,
  pullBucketName,
  receiptPrefix,
  receiverKeyStatement,
  receiverStatement,
  receiverStatements,
  stackIds,
} from '../naming';
import {
  encryptionText,
  lifecycleText,
  receiverEncryptionOf,
  receiverLifecycleOf,
  type ReceiverEncryption,
  type ReceiverLifecycle,
} from './receiver';

export type { AbortIncompleteUploadsRule, ReceiverEncryption, ReceiverLifecycle } from './receiver';

/**
 * What a requester, a receiver or a reviewer needs to know about one dataset once it is deployed, derived from the
 * same names the stacks use. Pure: `bin/describe.ts` finds the dataset and prints this.
 */
export interface PushDescription {
  readonly kind: 'push';
  readonly name: string;
  /** The file's `paused` reason while the dataset is paused (nothing delivered, no uploads), else null. */
  readonly paused: string | null;
  readonly file: string;
  readonly stack: string;
  readonly uploadTo: string;
  readonly uploaders: readonly string[];
  readonly receivingBucket: string;
  /** `bucket_owner`: the account that must own the receiving bucket; exports are delivered only while it does. */
  readonly bucketOwner: string;
  readonly deliveredTo: string;
  readonly afterExport: 'moved' | 'kept';
  readonly transfer: 'copy' | 'stream';
  readonly exporterRoleArn: string;
  readonly logGroup: string;
  readonly failedExportsQueue: string;
  readonly alarmTopic: string;
  readonly paperwork: string;
  /**
   * Every statement the receiving bucket's owner adds to its bucket policy, in order: delivery under `<name>/`, then
   * clean-up (listing the bucket's incomplete multipart uploads, so the exporter can abort those a failure left).
   */
  readonly receiverStatements: readonly PolicyStatement[];
  /** The delivery statement alone (`receiverStatements[0]`), as `--json` gave it before clean-up existed. */
  readonly receiverStatement: PolicyStatement;
  /** With `kms_key_arn`: the receiver's key, and the statement its owner adds to the key's policy. */
  readonly receiverKey?: { readonly arn: string; readonly statement: PolicyStatement };
  /** What the receiving bucket's default encryption and bucket policy must accept from the exporter's writes. */
  readonly receiverEncryption: ReceiverEncryption;
  /** The lifecycle rule the receiver adds so that incomplete multipart uploads the exporter could not abort go. */
  readonly receiverLifecycle: ReceiverLifecycle;
  /** Where the exporter records what happened to each upload, who reads it, and the commands that read it. */
  readonly receipts: Receipts;
}

export interface Receipts {
  /** `s3://<export bucket>/export-receipts/<name>/<day>/`: `<day>` is the UTC day of the upload (yyyy-mm-dd). */
  readonly location: string;
  /** The dataset's users: nobody else's upload policy reaches them, and nobody can change or delete one. */
  readonly readers: readonly string[];
  /** Then the bucket's lifecycle removes them (the setting receiptRetentionDays). */
  readonly retentionDays: number;
  /** `aws s3 ls` of one day's receipts of a file (its name URI-encoded), and `aws s3 cp` of one receipt. */
  readonly commands: readonly string[];
}

export interface PullDescription {
  readonly kind: 'pull';
  readonly name: string;
  /** The file's `paused` reason while the dataset is paused (the pull_arns have no access), else null. */
  readonly paused: string | null;
  readonly file: string;
  readonly stack: string;
  readonly bucket: string;
  readonly bucketArn: string;
  readonly readWrite: readonly string[];
  readonly readers: readonly string[];
  readonly externalWrite: boolean;
  readonly versioning: boolean;
  readonly paperwork: string;
  readonly example: readonly string[];
  /**
   * The identity policy each role in `pull_arns` needs in its own account (cross-account access needs it as well as
   * our bucket policy): exactly what the bucket policy grants them, on this bucket in the platform account only.
   */
  readonly readerPolicy: PolicyDocument;
  /** A name to attach `readerPolicy` under (`aws iam put-role-policy --policy-name`). */
  readonly readerPolicyName: string;
}

export type Description = PushDescription | PullDescription;

/** The settings describe reads beyond the platform's names. */
export type DescribeSettings = Pick<Settings, 'receiptRetentionDays' | 'abortIncompleteUploadDays'>;

/**
 * `days` are the resolved settings (bin/describe.ts passes them); the defaults are the settings', for callers that
 * only want the receiver's statements.
 */
export function describePush(
  s: PlatformSettings,
  d: PushDataset,
  file: string,
  days: DescribeSettings = {
    receiptRetentionDays: SETTINGS.receiptRetentionDays.fallback,
    abortIncompleteUploadDays: SETTINGS.abortIncompleteUploadDays.fallback,
  },
): PushDescription {
  const role = exporterRoleArn(s, d.name);
  return {
    kind: 'push',
    name: d.name,
    paused: d.paused ?? null,
    file,
    stack: stackIds.push(d.name),
    uploadTo: `s3://${s.exportBucket}/${exportPrefix(d.name)}`,
    uploaders: d.users,
    receivingBucket: d.bucket,
    bucketOwner: d.bucket_owner,
    deliveredTo: `s3://${d.bucket}/${exportPrefix(d.name)}`,
    afterExport: d.keep_files ? 'kept' : 'moved',
    transfer: d.transfer,
    exporterRoleArn: role,
    logGroup: exporterLogGroup(d.name),
    failedExportsQueue: deadLetterQueueName(d.name),
    alarmTopic: alarmTopicName(s),
    paperwork: d.paperwork,
    receiverStatements: receiverStatements({ bucket: d.bucket, dataset: d.name, principal: role }),
    receiverStatement: receiverStatement({ bucket: d.bucket, dataset: d.name, principal: role }),
    ...(d.kms_key_arn !== undefined && {
      receiverKey: {
        arn: d.kms_key_arn,
        statement: receiverKeyStatement({ keyArn: d.kms_key_arn, principal: role }),
      },
    }),
    receiverEncryption: receiverEncryptionOf(d, role),
    receiverLifecycle: receiverLifecycleOf(d, days.abortIncompleteUploadDays),
    receipts: receiptsOf(s, d, days.receiptRetentionDays),
  };
}

function receiptsOf(s: PlatformSettings, d: PushDataset, retentionDays: number): Receipts {
  const location = `s3://${s.exportBucket}/${receiptPrefix(d.name)}<day>/`;
  return {
    location,
    readers: d.users,
    retentionDays,
    commands: [
      // The file's path after `<name>/`, URI-encoded as receipt names are (naming/receipts.ts): a prefix will do.
      `aws s3 ls ${location}reports%2Fmarch`,
      `aws s3 cp ${location}<receipt>.json -`,
    ],
  };
}

export function describePull(s: PlatformSettings, d: PullDataset, file: string): PullDescription {
  const bucket = pullBucketName(s, d.name);
  return {
    kind: 'pull',
    name: d.name,
    paused: d.paused ?? null,
    file,
    stack: stackIds.pull(d.name),
    bucket,
    bucketArn: bucketArn(bucket),
    readWrite: d.users,
    readers: d.pull_arns,
    externalWrite: d.allow_push,
    versioning: d.bucket_versioning,
    paperwork: d.paperwork,
    example: [
      `# As one of the roles in pull_arns (e.g. with AWS_PROFILE set to a profile that assumes it), in ${s.region}:`,
      `aws s3 ls s3://${bucket}/`,
      `aws s3 cp s3://${bucket}/path/to/file.csv .`,
      `aws s3 sync s3://${bucket}/ ./${d.name}/`,
      `# Python: boto3.client("s3", region_name="${s.region}").download_file("${bucket}", "path/to/file.csv", "file.csv")`,
    ],
    readerPolicy: pullReaderPolicy(s, d),
    readerPolicyName: `hub-exports-${d.name}`,
  };
}

const row = (label: string, value: string) => `  ${label.padEnd(22)}${value}`;

/** `arn:aws:iam::<account>:role/<path/>name` → its account and name (put-role-policy takes the name, not the path). */
function roleOf(arn: string): { account: string; name: string } {
  const [, , , , account, resource] = arn.split(':');
  return { account, name: resource.split('/').pop() ?? resource };
}

/** What each role in pull_arns must add on its own side, and the policy document to paste. */
function readerPolicyText(d: PullDescription): string[] {
  return [
    'Each role in pull_arns also needs the identity policy below in its own account: our bucket policy lets the roles',
    "in, but cross-account access needs the role's own policy too. Save it as policy.json and attach it to each role",
    '(or add it where the role is defined, e.g. in Terraform):',
    '',
    ...d.readers.flatMap((arn) => {
      const role = roleOf(arn);
      return [
        `  # in account ${role.account}`,
        `  aws iam put-role-policy --role-name ${role.name} --policy-name ${d.readerPolicyName} --policy-document file://policy.json`,
      ];
    }),
    '',
    "Its s3:ResourceAccount condition is the platform's account: a bucket of the same name elsewhere is never reached.",
    // SSE-S3 (AES256, stacks/secure-bucket.ts): S3 decrypts for anyone it authorises; no key policy is involved.
    'No KMS permission is needed: the bucket is encrypted with S3-managed keys (SSE-S3).',
    '',
    JSON.stringify(d.readerPolicy, null, 2),
    '',
  ];
}

/** "Did my file arrive?": where the receipts are and the two commands that answer it (docs/user-guide.md). */
function receiptsText(d: PushDescription): string[] {
  return [
    'Did a file arrive, and when? For each upload the exporter writes a receipt of what happened to it (moved,',
    "copied, already_there, superseded, refused or failed), named after the file's path in the dataset's folder,",
    'URI-encoded (reports/march.csv is reports%2Fmarch.csv), under the UTC day of the upload (<day>: yyyy-mm-dd):',
    '',
    `  ${d.receipts.location}`,
    '',
    'The users above can list and read them; nobody can change or delete them, and they are removed',
    `${d.receipts.retentionDays} days after they were written. List a file's receipts, then print one:`,
    '',
    ...d.receipts.commands.map((c) => `  ${c}`),
    '',
  ];
}

/** First of all, when the dataset is paused: why, what that means, and how it ends. */
function pausedText(reason: string | null, meaning: string): string[] {
  if (reason === null) return [];
  return [`PAUSED: ${reason}`, `While paused ${meaning}. Remove "paused" from the file to resume.`, ''];
}

/** The text `describe` prints: labelled lines a person can read and copy from. */
export function renderText(d: Description): string {
  if (d.kind === 'push') {
    return [
      `${d.name}: push dataset (${d.file}, stack ${d.stack})`,
      '',
      ...pausedText(d.paused, 'nothing is delivered and the users cannot upload; files already uploaded stay'),
      row('Upload files to', d.uploadTo),
      row('Who may upload', d.uploaders.join(', ')),
      row('Files arrive at', `${d.deliveredTo}<same path>`),
      row('Receiving account', `${d.bucketOwner} (must own ${d.receivingBucket})`),
      row('After export', d.afterExport === 'moved' ? 'removed from the export bucket once the copy is verified' : 'kept in the export bucket (keep_files)'),
      row('Transfer', d.transfer === 'copy' ? 'server-side copy' : 'streamed (read and uploaded by the exporter)'),
      row('Exporter role', d.exporterRoleArn),
      row('Exporter logs', d.logGroup),
      row('Failed exports go to', `SQS queue ${d.failedExportsQueue}, alarm topic ${d.alarmTopic}`),
      row('Receipts', `${d.receipts.location} (kept ${d.receipts.retentionDays} days)`),
      row('Who may read receipts', d.receipts.readers.join(', ')),
      row('Paperwork', d.paperwork),
      '',
      ...receiptsText(d),
      // One list, pasted as is into the policy's "Statement" (or appended to the statements already there).
      `The owner of ${d.receivingBucket} must add these statements to its bucket policy (into its "Statement" list).`,
      `The first lets the exporter deliver under ${exportPrefix(d.name)}. The second lets it find and abort the uploads`,
      'a failure left behind; S3 cannot limit it to a folder, so the exporter sees the keys of every incomplete upload',
      "in the bucket. Without it exports still work, but those uploads stay (billed) until the owner's lifecycle rule",
      'removes them.',
      `Exports are delivered only while account ${d.bucketOwner} owns ${d.receivingBucket}: to a bucket of that name`,
      'owned by any other account they fail, and the files stay in the export bucket.',
      '',
      JSON.stringify(d.receiverStatements, null, 2),
      '',
      ...(d.receiverKey
        ? [
            `The bucket encrypts with ${d.receiverKey.arn}; its owner must add this statement to the key's policy:`,
            '',
            JSON.stringify(d.receiverKey.statement, null, 2),
            '',
          ]
        : []),
      ...encryptionText(d.receiverEncryption, d.file),
      ...lifecycleText(d.receiverLifecycle, d.name),
    ].join('\n');
  }
  return [
    `${d.name}: pull dataset (${d.file}, stack ${d.stack})`,
    '',
    ...pausedText(d.paused, 'the pull_arns have no access; the bucket, its data and the users stay'),
    row('Bucket', `${d.bucket} (${d.bucketArn})`),
    row('Read and write', `${d.readWrite.join(', ')} (platform users)`),
    row(d.externalWrite ? 'Read and write' : 'Read only', d.readers.join(', ')),
    row('Versioning', d.versioning ? 'on: overwritten objects keep their earlier versions' : 'off'),
    row('Paperwork', d.paperwork),
    '',
    'Reading it from another account:',
    '',
    ...d.example.map((line) => `  ${line}`),
    '',
    ...readerPolicyText(d),
  ].join('\n');
}
