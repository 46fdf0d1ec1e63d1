import * as path from 'node:path';
import type { PushDataset } from '../../config';
import type { LocalS3 } from '../../__tests__/exporter/helpers/local-s3';
import type { DeadLetter, InvocationRecord } from '../soak/lambda-sim';
import type { FunctionConfig } from '../soak/stack-config';
import { writeEnvFile } from './setup';

/** What a person sees of `npm run local` besides the function's own log lines. */

/** Where local mode put everything (`LocalMode` is this and a way to stop it). */
export interface LocalPlaces {
  readonly dataset: string;
  readonly functionName: string;
  /** The proxy: where analysts upload. */
  readonly endpoint: string;
  readonly port: number;
  readonly exportBucket: string;
  readonly ledgerBucket: string;
  readonly receiverBucket: string;
  readonly analystEnv: string;
  readonly receiverEnv: string;
}

export const clock = (): string => new Date().toISOString().slice(11, 19);

export function failedAttempt(r: InvocationRecord, config: FunctionConfig): string {
  const attempts = config.maximumRetryAttempts + 1;
  const next = r.attempt < attempts ? 'Lambda will retry it' : 'no retries left';
  const error = `${r.error?.type}: ${brief(r.error?.message ?? '')}`;
  return `${clock()} attempt ${r.attempt} of ${attempts} for ${r.key} failed (${error}); ${next}`;
}

export function writeEnvFiles(local: LocalPlaces, s3: LocalS3): void {
  const analyst = 'npm run local: the platform\'s analyst (the local "exporter" user), uploading through the proxy';
  writeEnvFile(local.analystEnv, analyst, s3.exporter, s3.region, local.endpoint);
  const receiver = 'npm run local: the receiving account (the local "receiver" user), straight to the S3 server';
  writeEnvFile(local.receiverEnv, receiver, s3.receiver, s3.region, s3.endpoint);
}

const shown = (file: string) => {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
};

export function instructions(l: LocalPlaces, d: PushDataset, s3: LocalS3): string[] {
  const upload = `s3://${l.exportBucket}/${l.dataset}/`;
  const delivered = `s3://${l.receiverBucket}/${l.dataset}/`;
  // Each helper runs aws in a subshell that reads the keys, so none stay in the shell; --endpoint-url because CLIs
  // before 2.13 and 1.29 (Debian 12's 2.9 among them) ignore AWS_ENDPOINT_URL and would send the request to AWS.
  const helper = (name: string, file: string) =>
    `  ${name}() ( set -a; . ${shown(file)}; set +a; aws --endpoint-url "$AWS_ENDPOINT_URL" "$@" )`;
  return [
    '',
    `${l.functionName} is waiting for uploads to ${upload} (proxy ${l.endpoint} → S3 ${s3.endpoint}).`,
    d.keep_files
      ? `Files are copied to ${delivered} and kept here (keep_files: true in push_datasets/${d.name}.yaml).`
      : `Files are moved to ${delivered}: copied, verified, then deleted from ${l.exportBucket}.`,
    '',
    'In another terminal, two shell functions that run aws with the local keys (none stay in your shell):',
    helper('analyst', l.analystEnv),
    helper('receiver', l.receiverEnv),
    'Upload as an analyst (through the proxy: only writes through it reach the function):',
    `  analyst s3 cp some.csv ${upload}some.csv`,
    `  analyst s3 ls ${upload}`,
    'See what arrived, as the receiver:',
    `  receiver s3 ls --recursive ${delivered}`,
    'When you are done: unset -f analyst receiver',
    '',
    `Note: the receiving bucket's policy is what npm run describe -- ${d.name} prints, but its principal is the local`,
    `user ${s3.exporter.principal} (RGW names users arn:aws:iam:::user/<name>), not the exporter role.`,
    '',
    "The function's log lines follow. Ctrl-C stops; the S3 server keeps running (npm run s3:stop stops it).",
  ];
}

export const deadLetterLine = (d: DeadLetter): string =>
  `DEAD LETTER ${d.key}: ${d.condition} after ${d.attempts} attempt(s): ${d.error.type}: ${brief(d.error.message)}`;

/** The function's own log line carries the whole message (statements to add and all): one line is enough here. */
function brief(message: string): string {
  const first = message.split('\n')[0];
  return first.length > 160 ? `${first.slice(0, 159)}…` : first;
}
