import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

/**
 * The execution environments of one simulated function: child processes running lambda-worker.js, each loading the
 * handler once and then running one invocation at a time. Here is only the process side: starting workers, the IPC
 * protocol, their log lines, killing them, replacing those that die. Which invocation runs where, and what its end
 * means for the event (retry, dead letter), is lambda-sim.ts's.
 */

/** How an invocation failed, as Lambda reports it. */
export interface SimError {
  readonly type: string;
  readonly message: string;
}

/** One invocation on a worker; `job` is the caller's. The caller's `timers` (timeout, crash) are cleared at its end. */
export interface Run<J> {
  readonly job: J;
  readonly id: string;
  readonly startedAt: number;
  readonly timers: NodeJS.Timeout[];
  /** Set when the worker was killed on purpose: the run ends with this error rather than the bare exit's. */
  killedFor?: SimError;
}

/** One worker process. Only the pool changes it; the caller reads `proc.pid` for the log stream's name. */
export interface Worker<J> {
  readonly proc: ChildProcess;
  ready: boolean;
  run?: Run<J>;
}

export interface PoolOptions<J> {
  /** The function's name, for errors. */
  readonly name: string;
  readonly handlerFile: string;
  /** The handler's export: `handler` of `index.handler`. */
  readonly exportName: string;
  /** The whole environment of the worker processes: nothing of this process is passed on besides. */
  readonly env: Record<string, string>;
  readonly onLog?: (line: string) => void;
  /** A worker can take an invocation: it has just loaded the handler, or answered its invocation. */
  readonly onFree: () => void;
  /** A run ended: answered (no error when the handler succeeded), or its worker died, killed or on its own. */
  readonly onEnd: (run: Run<J>, error?: SimError, result?: unknown) => void;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/** Workers dying before they load the handler are replaced this many times in a row, then not: no spawn storm. */
const MAX_EARLY_EXITS = 5;
const WORKER = path.join(__dirname, 'lambda-worker.js');

/** lambda-worker.js's messages to us (see its header). */
type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; id: string; ok: boolean; result?: unknown; error?: { name: string; message: string } };

export class WorkerPool<J> {
  private readonly workers = new Set<Worker<J>>();
  private earlyExits = 0;
  private stopped = false;

  constructor(private readonly o: PoolOptions<J>) {}

  /** Workers alive, ready or not: 0 once they kept dying before loading the handler. */
  get size(): number {
    return this.workers.size;
  }

  /** The workers that have loaded the handler and run nothing, each checked when the iteration reaches it. */
  *idle(): Generator<Worker<J>> {
    for (const worker of this.workers) if (worker.ready && !worker.run) yield worker;
  }

  /** Hands an idle worker its next run. */
  invoke(worker: Worker<J>, run: Run<J>, event: unknown, context: Readonly<Record<string, unknown>>): void {
    worker.run = run;
    worker.proc.send({ type: 'invoke', id: run.id, event, context });
  }

  /** Kills the worker running `run`, which then ends with `error`. False if the run has ended or was killed already. */
  kill(worker: Worker<J>, run: Run<J>, error: SimError): boolean {
    if (worker.run !== run || run.killedFor) return false;
    run.killedFor = error;
    worker.proc.kill('SIGKILL');
    return true;
  }

  /** One more worker; resolves when it has loaded the handler, rejects if it dies before. */
  spawn(): Promise<void> {
    const { o } = this;
    const proc = fork(WORKER, [o.handlerFile, o.exportName], {
      env: o.env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const worker: Worker<J> = { proc, ready: false };
    this.workers.add(worker);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => o.onLog?.(line));
    }
    return new Promise((resolve, reject) => {
      proc.on('message', (m: WorkerMessage) => {
        if (m.type === 'done') return this.answered(worker, m);
        if (m.type !== 'ready' || worker.ready) return;
        worker.ready = true;
        this.earlyExits = 0;
        resolve();
        o.onFree();
      });
      proc.on('error', (err) => reject(err));
      proc.on('exit', (code, signal) => {
        if (!worker.ready)
          reject(new Error(`a worker of ${o.name} exited before loading its handler (${signal ?? code})`));
        this.exited(worker, code, signal);
      });
    });
  }

  /** Kills every worker and replaces none; resolves when all have exited. */
  stop(): Promise<void> {
    this.stopped = true;
    const exits: Promise<void>[] = [];
    for (const w of this.workers) {
      w.run?.timers.forEach(clearTimeout);
      exits.push(exited(w.proc));
      w.proc.kill('SIGKILL');
    }
    return Promise.all(exits).then(() => undefined);
  }

  private answered(worker: Worker<J>, m: Extract<WorkerMessage, { type: 'done' }>) {
    const run = worker.run;
    if (!run || run.killedFor || run.id !== m.id) return;
    worker.run = undefined;
    run.timers.forEach(clearTimeout);
    const error = m.ok ? undefined : { type: m.error?.name ?? 'Error', message: m.error?.message ?? '' };
    // The function's last lines may still be in its pipes: ending on the next turn lets onLog see them first.
    setImmediate(() => this.o.onEnd(run, error, m.result));
    this.o.onFree();
  }

  private exited(worker: Worker<J>, code: number | null, signal: NodeJS.Signals | null) {
    this.workers.delete(worker);
    const run = worker.run;
    if (run) {
      worker.run = undefined;
      run.timers.forEach(clearTimeout);
      const how = signal ? `signal: ${signal}` : `error: exit status ${code}`;
      this.o.onEnd(run, run.killedFor ?? { type: 'Runtime.ExitError', message: `Runtime exited with ${how}` });
    }
    if (this.stopped) return;
    if (!worker.ready && ++this.earlyExits > MAX_EARLY_EXITS) return;
    this.spawn().catch(() => undefined);
  }
}

/** `count` workers for each pool, all spawned at once, pool after pool; resolves when every one has loaded. */
export async function startAll<J>(pools: readonly WorkerPool<J>[], count: number): Promise<void> {
  const ready = pools.flatMap((pool) => Array.from({ length: count }, () => pool.spawn()));
  await within(Promise.all(ready), START_TIMEOUT_MS, 'the simulated functions did not start');
}

/** Stops every pool; a worker that will not exit in time is left to its own SIGKILL rather than waited for. */
export async function stopAll<J>(pools: readonly WorkerPool<J>[]): Promise<void> {
  await within(Promise.all(pools.map((pool) => pool.stop())), STOP_TIMEOUT_MS, 'workers did not exit').catch(
    () => undefined,
  );
}

const exited = (proc: ChildProcess): Promise<void> =>
  proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once('exit', () => resolve()));

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)),
  );
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
