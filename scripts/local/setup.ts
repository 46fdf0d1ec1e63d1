import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, datasetsRoot, formatProblem, loadDatasets, type PushDataset } from '../../config';
import { describePush } from '../../describe';
import { resolveSettings, type Settings } from '../../settings';
import { running } from '../../__tests__/exporter/global-setup';
import { localS3, type LocalS3 } from '../../__tests__/exporter/helpers/local-s3';
import type { StackJson } from '../../__tests__/helpers/synth';

/** The parts of `npm run local` that prepare the world: the dataset, the server, the buckets, the env files. */

/** A mistake or a state of the machine the person can fix: printed as a message, without a stack trace. */
export class LocalError extends Error {}

/**
 * The HUB_EXPORTS_* variables of this shell, as `npm run synth` would see them, with the export bucket of this run:
 * the rule of the synthesized stack must name the bucket the uploads go to.
 */
export function synthEnv(exportBucket?: string): NodeJS.ProcessEnv {
  const own = Object.entries(process.env).filter(([k]) => k.startsWith('HUB_EXPORTS_'));
  return { ...Object.fromEntries(own), ...(exportBucket !== undefined && { HUB_EXPORTS_EXPORT_BUCKET: exportBucket }) };
}

/** The repository's push dataset of that name (default: the first by name), loaded as synth loads it. */
export function chooseDataset(env: NodeJS.ProcessEnv, name?: string): { settings: Settings; dataset: PushDataset } {
  const { settings, problems: bad } = resolveSettings(env, () => undefined);
  if (!settings) throw new LocalError(bad.join('\n'));
  const root = datasetsRoot();
  const { datasets, problems } = loadDatasets([root], { settings: settings.platform, cwd: root });
  if (problems.length > 0) {
    throw new LocalError(
      `${problems.map(formatProblem).join('\n')}\n\nFix the dataset files first (npm run validate).`,
    );
  }
  const names = datasets.push.map((d) => d.name);
  if (names.length === 0) throw new LocalError(`no push dataset in ${path.join(root, 'push_datasets')}`);
  const dataset = name === undefined ? datasets.push[0] : datasets.push.find((d) => d.name === name);
  if (!dataset) throw new LocalError(`no push dataset is named "${name}". Known: ${names.join(', ')}`);
  return { settings, dataset };
}

/** The server `.local-s3/env` describes, started first when it does not answer (start.sh installs RGW if missing). */
export async function ensureServer(print: (line: string) => void): Promise<LocalS3> {
  if (!(await running())) {
    print('The local S3 server does not answer: npm run s3:start (it starts one unless it is running)…');
    // Inherited output: on a fresh machine the apt install takes a minute and should be seen happening.
    const child = spawn('bash', [path.join(PROJECT_ROOT, 'scripts/local-s3/start.sh')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new LocalError(`npm run s3:start failed (exit ${code}); its logs are in .local-s3/`);
  }
  const s3 = localS3();
  if (!s3) throw new LocalError('the local S3 server started but .local-s3/env is missing');
  return s3;
}

/**
 * A server that stops answering during set-up (radosgw 16.2 can abort under another run's heavy load; start.sh's
 * watchdog restarts it) is said to be that, with where to look, rather than shown as a stack trace.
 */
export function serverTrouble(err: unknown, s3: LocalS3): unknown {
  const { code, message } = err as NodeJS.ErrnoException;
  const dropped = code === 'ECONNREFUSED' || code === 'ECONNRESET' || /socket hang up/.test(String(message));
  if (!dropped) return err;
  return new LocalError(
    `the local S3 server at ${s3.endpoint} stopped answering (${message}); try again in a moment. Its log is ` +
      '.local-s3/client.rgw.local.log, and .local-s3/rgw-restarts.log lists the restarts of its watchdog.',
  );
}

/** Whether the exporter stack makes `bucket` versioned: read from the stack, not restated here. */
export function versionedInStack(exporter: StackJson, bucket: string): boolean {
  const found = Object.entries(exporter.resource.aws_s3_bucket ?? {}).find(([, r]) => r.bucket === bucket);
  if (!found) throw new LocalError(`the synthesized exporter stack has no bucket ${bucket}`);
  const reference = `\${aws_s3_bucket.${found[0]}.id}`;
  return Object.values(exporter.resource.aws_s3_bucket_versioning ?? {}).some(
    (v) => v.bucket === reference && (v.versioning_configuration as { status?: string }).status === 'Enabled',
  );
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Creates the bucket as `owner` unless it is there already (a second run), then turns versioning on if asked. The
 * server's other settings of the stack (encryption, ownership controls, lifecycle) are left out: RGW lacks some of
 * them, and none changes what the exporter does.
 */
export async function ensureBucket(client: S3Client, bucket: string, owner: string, versioned: boolean) {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (statusOf(err) === 403) {
      throw new LocalError(`s3://${bucket} exists on the local server but another user than "${owner}" owns it`);
    }
    if (statusOf(err) !== 404) throw err;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  if (versioned) {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
}

/**
 * Deletes what the ledger remembers of the dataset from earlier runs, and says how many records that was. S3's
 * sequencers grow for ever; the simulated ones start again with each run, so an old record would make the exporter
 * take a new upload of a key for the one an earlier run delivered, and delete it without copying it.
 */
export async function forgetEarlierRuns(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let forgotten = 0;
  for (let page = 0; page < 1000; page++) {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const Objects = (out.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (Objects.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects } }));
    forgotten += Objects.length;
  }
  return forgotten;
}

/** The statements `npm run describe` tells the receiver to add, naming the local exporter user instead of the role. */
export function receiverPolicy(settings: Settings, d: PushDataset, principal: string): string {
  const { receiverStatements } = describePush(settings.platform, d, `push_datasets/${d.name}.yaml`);
  const Statement = receiverStatements.map((s) => ({ ...s, Principal: { AWS: principal } }));
  return JSON.stringify({ Version: '2012-10-17', Statement });
}

export async function allowExporter(receiver: S3Client, bucket: string, policy: string): Promise<void> {
  await receiver.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
}

/**
 * KEY=value lines a shell reads with `set -a; . file; set +a`. Both endpoint variables, because a shell that once
 * read .local-s3/env has AWS_ENDPOINT_URL_S3 (the server itself), which wins over AWS_ENDPOINT_URL. Checksums only
 * when required: aws-cli 1.x over plain HTTP puts checksums in headers, which RGW takes, but the SDKs and aws-cli
 * v2 may stream aws-chunked bodies with trailing checksums, which RGW refuses (DESIGN.md).
 */
export function writeEnvFile(
  file: string,
  why: string,
  who: { accessKeyId: string; secretAccessKey: string },
  region: string,
  endpoint: string,
): void {
  const lines = [
    `# ${why}`,
    `AWS_ACCESS_KEY_ID=${who.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${who.secretAccessKey}`,
    `AWS_REGION=${region}`,
    `AWS_DEFAULT_REGION=${region}`,
    `AWS_ENDPOINT_URL=${endpoint}`,
    `AWS_ENDPOINT_URL_S3=${endpoint}`,
    'AWS_REQUEST_CHECKSUM_CALCULATION=when_required',
    'AWS_RESPONSE_CHECKSUM_VALIDATION=when_required',
  ];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

/** KEY=value lines of an env file, comments skipped (the test reads analyst.env as a client would). */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}
