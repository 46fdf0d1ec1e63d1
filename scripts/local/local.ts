import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { unzipSync } from 'fflate';
import { PROJECT_ROOT, datasetsRoot, type PushDataset } from '../../config';
import { ledgerPrefix, stackIds } from '../../naming';
import { clientFor, type LocalS3 } from '../../__tests__/exporter/helpers/local-s3';
import { exporterArtifact, synthesize } from '../../__tests__/helpers/synth';
import { FaultProxy, NO_FAULTS, type ObservedWrite } from '../soak/fault-proxy';
import { LambdaSim } from '../soak/lambda-sim';
import { functionConfig, matches, type FunctionConfig } from '../soak/stack-config';
import * as setup from './setup';
import { clock, deadLetterLine, failedAttempt, instructions, writeEnvFiles, type LocalPlaces } from './terminal';
import { silenceSdkNodeWarning } from '../sdk-node-warning';

/**
 * `npm run local`: one push dataset's exporter running locally as it is deployed. Uploads go through a proxy in
 * front of the local S3 server, which tells a simulated EventBridge about every write to the export bucket; the
 * bundled handler then runs in Lambda-like worker processes with the synthesized stack's rule, environment and
 * retries, and its log lines come out here.
 */

export interface LocalOptions {
  /** A push dataset of push_datasets/; default the first by name. */
  readonly dataset?: string;
  /** The proxy's port on 127.0.0.1; 0 picks a free one (see LocalMode.port). Default 7481. */
  readonly port?: number;
  /** Default the platform's (mojap-hub-exports); the stack is synthesized for it so that its rule matches. */
  readonly exportBucket?: string;
  /** Default the dataset's `bucket:`. */
  readonly receiverBucket?: string;
  /** Where analyst.env and receiver.env are written; default .local-s3/. */
  readonly envDir?: string;
  /** Everything meant for the terminal, one line at a time; default console.log. */
  readonly print?: (line: string) => void;
  /** Each line the function logs, as it logged it. */
  readonly onLog?: (line: string) => void;
}

export interface LocalMode extends LocalPlaces {
  /** Stops the simulated function and the proxy; the S3 server and the buckets stay. */
  stop(): Promise<void>;
}

export const DEFAULT_PORT = 7481;

export async function startLocal(o: LocalOptions = {}): Promise<LocalMode> {
  const print = o.print ?? console.log;
  const env = setup.synthEnv(o.exportBucket);
  const { settings, dataset } = setup.chooseDataset(env, o.dataset);
  const exportBucket = settings.platform.exportBucket;
  const s3 = await setup.ensureServer(print);
  const run = new Run(s3, exportBucket, o.port ?? DEFAULT_PORT);
  // First, so that a taken port fails before seconds of synthesis.
  const endpoint = await run.listen();
  try {
    print(`Synthesizing ${stackIds.push(dataset.name)} for s3://${exportBucket} from ${dataset.name}.yaml…`);
    const { config, exporter } = synthesized(env, dataset, exportBucket);
    const receiverBucket = o.receiverBucket ?? dataset.bucket;
    // The ledger's name is the function's LEDGER_BUCKET: derived by the stack, not here.
    const ledgerBucket = config.env.LEDGER_BUCKET;
    // As the exporter stack makes them, owned by the platform; the receiver's with what describe tells it to allow.
    print(`Buckets on ${s3.endpoint}: ${exportBucket}, ${ledgerBucket} (exporter), ${receiverBucket} (receiver)…`);
    for (const bucket of [exportBucket, ledgerBucket]) {
      await setup.ensureBucket(run.platform, bucket, 'exporter', setup.versionedInStack(exporter, bucket));
    }
    await setup.ensureBucket(run.receiver, receiverBucket, 'receiver', false);
    const forgotten = await setup.forgetEarlierRuns(run.platform, ledgerBucket, ledgerPrefix(dataset.name));
    if (forgotten > 0) print(`Forgot ${forgotten} ledger record(s) of earlier runs (their sequencers start again).`);
    const policy = setup.receiverPolicy(settings, { ...dataset, bucket: receiverBucket }, s3.exporter.principal);
    await setup.allowExporter(run.receiver, receiverBucket, policy);
    await run.startFunction(
      config,
      functionEnv(s3, endpoint, receiverBucket),
      (line) => {
        print(`${clock()} ${line}`);
        o.onLog?.(line);
      },
      print,
    );
    const envDir = o.envDir ?? path.join(PROJECT_ROOT, '.local-s3');
    const local: LocalMode = {
      dataset: dataset.name,
      functionName: config.name,
      endpoint,
      port: Number(new URL(endpoint).port),
      exportBucket,
      ledgerBucket,
      receiverBucket,
      analystEnv: path.join(envDir, 'analyst.env'),
      receiverEnv: path.join(envDir, 'receiver.env'),
      stop: () => run.stop(),
    };
    writeEnvFiles(local, s3);
    instructions(local, dataset, s3).forEach((line) => print(line));
    return local;
  } catch (err) {
    await run.stop();
    throw setup.serverTrouble(err, s3);
  }
}

/** What runs while local mode does: the proxy, the simulated function, the clients; and how it all stops. */
class Run {
  readonly platform: S3Client;
  readonly receiver: S3Client;
  private readonly proxy: FaultProxy;
  private sim?: LambdaSim;
  // Writes that arrive before the function is ready wait for it rather than being lost.
  private readonly early: ObservedWrite[] = [];
  private poll?: NodeJS.Timeout;
  private handlerDir?: string;
  private stopping?: Promise<void>;

  constructor(s3: LocalS3, private readonly exportBucket: string, private readonly port: number) {
    this.platform = clientFor(s3, 'exporter');
    this.receiver = clientFor(s3, 'receiver');
    this.proxy = new FaultProxy({
      upstream: s3.endpoint,
      seed: 1,
      rates: NO_FAULTS,
      port,
      onWrite: (w) => this.written(w),
    });
  }

  async listen(): Promise<string> {
    try {
      return await this.proxy.start();
    } catch (err) {
      await this.stop();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      throw new setup.LocalError(
        `port ${this.port} on 127.0.0.1 is taken (another npm run local?): choose one with --port`,
      );
    }
  }

  async startFunction(
    config: FunctionConfig,
    env: Record<string, string>,
    onLog: (line: string) => void,
    print: (line: string) => void,
  ): Promise<void> {
    this.handlerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-exports-local-'));
    const sim = new LambdaSim({
      functions: [{ config, handlerFile: deployedHandler(config, this.handlerDir), env }],
      head: (w) => headOf(this.platform, this.exportBucket, w.key, w.versionId),
      seed: Date.now() >>> 0,
      timeScale: 1,
      onLog: (_fn, line) => onLog(line),
      onInvocation: (r) => r.ok || print(failedAttempt(r, config)),
    });
    await sim.start();
    this.sim = sim;
    for (const w of this.early.splice(0)) this.written(w);
    this.poll = watchDeadLetters(sim, print);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.poll);
      await this.sim?.stop();
      await this.proxy.stop();
      this.platform.destroy();
      this.receiver.destroy();
      if (this.handlerDir) fs.rmSync(this.handlerDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  private written(w: ObservedWrite): void {
    if (w.bucket !== this.exportBucket) return;
    if (!this.sim) return void this.early.push(w);
    this.sim.objectWritten({ bucket: w.bucket, key: w.key, versionId: w.versionId, reason: w.operation });
  }
}

/** The stack's environment is kept; this points it at the proxy, the local users' keys and this run's receiver. */
const functionEnv = (s3: LocalS3, endpoint: string, receiverBucket: string): Record<string, string> => ({
  AWS_ENDPOINT_URL_S3: endpoint,
  AWS_ACCESS_KEY_ID: s3.exporter.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.exporter.secretAccessKey,
  AWS_REGION: s3.region,
  TARGET_BUCKET: receiverBucket,
  EXPORTER_PRINCIPAL: s3.exporter.principal,
});

/** The dataset's function as its synthesized stack configures it, checked to match uploads to this export bucket. */
function synthesized(env: NodeJS.ProcessEnv, dataset: PushDataset, exportBucket: string) {
  const { stacks, outdir } = synthesize([datasetsRoot()], env);
  fs.rmSync(outdir, { recursive: true, force: true });
  const config = functionConfig(stacks[stackIds.push(dataset.name)] as never);
  const upload = { source: 'aws.s3', 'detail-type': 'Object Created' };
  const detail = { bucket: { name: exportBucket }, object: { key: `${dataset.name}/a.csv` } };
  if (!matches(config.pattern, { ...upload, detail })) {
    throw new setup.LocalError(
      `the rule of ${config.name} does not match uploads to s3://${exportBucket}/${dataset.name}/`,
    );
  }
  return { config, exporter: stacks[stackIds.exporter] };
}

/** The handler file the stack deploys: its zip unpacked (index.js and its source map, which NODE_OPTIONS asks for). */
function deployedHandler(config: FunctionConfig, dir: string): string {
  for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(exporterArtifact().zipPath)))) {
    fs.writeFileSync(path.join(dir, name), bytes);
  }
  return path.join(dir, `${config.handler.slice(0, config.handler.lastIndexOf('.'))}.js`);
}

/** What S3 puts in the event about the version written (asked of the server directly, not through the proxy). */
async function headOf(client: S3Client, bucket: string, key: string, versionId?: string) {
  const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return { size: out.ContentLength ?? 0, etag: (out.ETag ?? '').replace(/"/g, '') };
}

/** Dead letters as they happen: where the deployed function's failures end up (its queue and alarm). */
function watchDeadLetters(sim: LambdaSim, print: (line: string) => void): NodeJS.Timeout {
  let seen = 0;
  return setInterval(() => {
    const dead = sim.deadLetters();
    for (; seen < dead.length; seen++) print(`${clock()} ${deadLetterLine(dead[seen])}`);
  }, 1000);
}

const USAGE = `usage: npm run local -- [--dataset NAME] [--port ${DEFAULT_PORT}] [--minutes 60]

Runs a push dataset's exporter locally, as deployed, against the local S3 server: upload with aws s3 cp and watch the
file arrive at the receiver and leave the export bucket. Stops on Ctrl-C or after --minutes (at most 1440).`;

function options(argv: string[]): (LocalOptions & { minutes: number }) | string {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      port: { type: 'string' },
      minutes: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return USAGE;
  const port = Number(values.port ?? DEFAULT_PORT);
  const minutes = Number(values.minutes ?? 60);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port: expected 0 to 65535, got ${values.port}`;
  if (!(minutes > 0 && minutes <= 1440)) return `--minutes: expected more than 0, at most 1440, got ${values.minutes}`;
  return { dataset: values.dataset, port, minutes };
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options(argv);
  } catch (err) {
    parsed = (err as Error).message;
  }
  if (typeof parsed === 'string') {
    if (parsed === USAGE) console.log(USAGE);
    else console.error(`npm run local: ${parsed}\n\n${USAGE}`);
    return parsed === USAGE ? 0 : 2;
  }
  const local = await startLocal(parsed);
  const why = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(`${parsed.minutes} minute(s) passed`), parsed.minutes * 60_000);
    const on = (signal: string) => () => (clearTimeout(timer), resolve(signal));
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
  await local.stop();
  console.log(`\nStopped (${why}). The local S3 server keeps running, with the buckets: npm run s3:stop stops it.`);
  return 0;
}

if (require.main === module) {
  silenceSdkNodeWarning();
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`npm run local: ${err instanceof setup.LocalError ? err.message : err.stack ?? err}`);
      process.exit(1);
    },
  );
}
