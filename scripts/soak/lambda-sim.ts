import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import {
  deliveries,
  objectCreated,
  type EventRates,
  type ObjectFacts,
  type ObjectWritten,
  type SimEvent,
} from './eventbridge-sim';
import { Random, mix, uuid } from './random';
import { matches, type FunctionConfig } from './stack-config';

// The simulation's whole API stays here: soak.ts, scripts/local and the tests import from this module alone.
export { compareSequencers, formEncode, type ObjectWritten, type SimEvent } from './eventbridge-sim';

/**
 * S3 → EventBridge → asynchronous Lambda, as AWS runs it, around a handler file in child processes. The events and
 * how often and when they arrive are eventbridge-sim.ts's; here each delivery is an invocation with the function's
 * timeout, environment and retries, crashes, and a dead-letter list. Everything random is decided from the seed and
 * the event's sequence number, so a run is replayed from its seed whatever order things finish in.
 */

/** Probabilities, each decided per event (form encoding) or per delivery to a function (the rest). */
export interface DeliveryRates extends EventRates {
  readonly crash: number;
}

export interface SimOptions {
  readonly functions: readonly {
    readonly config: FunctionConfig;
    readonly handlerFile: string;
    /** Merged over the stack's variables: endpoint, credentials, bucket names of the local run. */
    readonly env?: Readonly<Record<string, string>>;
  }[];
  /** The exact version's size and ETag as S3 would put them in the event; undefined when the version is gone. */
  readonly head: (w: ObjectWritten) => Promise<{ size: number; etag: string } | undefined>;
  readonly seed: number;
  readonly rates?: Partial<DeliveryRates>;
  /** Multiplies AWS's durations: retry delays, maximum event age, function timeout. Default 1. */
  readonly timeScale?: number;
  /** The function timeout the context counts down from; default the stack's timeout × timeScale. */
  readonly functionTimeoutMs?: number;
  /**
   * A crash happens at a moment uniform in [0, this) of the invocation, and only if it is still running then;
   * default the function timeout. A shorter window makes crashes of quick invocations likelier.
   */
  readonly crashWithinMs?: number;
  /** How much later than it would have been a late delivery arrives; default [200, 2000]. */
  readonly lateMs?: readonly [number, number];
  /** Execution environments (worker processes) per function; default 4. */
  readonly concurrency?: number;
  readonly onLog?: (functionName: string, line: string) => void;
  readonly onInvocation?: (r: InvocationRecord) => void;
}

export interface InvocationRecord {
  readonly functionName: string;
  /** The same for every attempt of one delivery, as in Lambda's asynchronous retries. */
  readonly requestId: string;
  readonly attempt: number;
  /** The key as written (the event may carry it form-encoded). */
  readonly key: string;
  readonly sequencer: string;
  readonly event: SimEvent;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly ok: boolean;
  readonly error?: SimError;
  readonly result?: unknown;
}

export interface SimError {
  readonly type: string;
  readonly message: string;
}

/** What Lambda's on-failure destination would receive. */
export interface DeadLetter {
  readonly functionName: string;
  readonly requestId: string;
  readonly condition: 'RetriesExhausted' | 'EventAgeExceeded';
  readonly attempts: number;
  /** The last attempt's error; for an event that expired before its first attempt, a note saying so. */
  readonly error: SimError;
  readonly key: string;
  readonly event: SimEvent;
}

// prettier-ignore
const STATS = [
  'events', 'deliveries', 'duplicates', 'late', 'crashes', 'invocations', 'failures', 'retries', 'deadLetters',
  'expired', 'formEncoded', 'headMissing', 'redriven',
] as const;
/** Counts since start; `retries` are retries that ran, `crashes` kills that happened, `expired` ⊆ `deadLetters`. */
export type SimStats = Record<(typeof STATS)[number], number>;

/** Lambda's asynchronous retries: one minute before the second attempt, two before the third. */
const RETRY_DELAYS_S = [60, 120];
const START_TIMEOUT_MS = 30_000;
/** Workers dying before they load the handler are replaced this many times in a row, then not: no spawn storm. */
const MAX_EARLY_EXITS = 5;
const WORKER = path.join(__dirname, 'lambda-worker.js');
const NO_FAULTS: DeliveryRates = { duplicate: 0, concurrentDuplicate: 0, late: 0, crash: 0, formEncodedKey: 0 };

type State = 'held' | 'queued' | 'running' | 'retrying';
interface Fn {
  readonly index: number;
  readonly config: FunctionConfig;
  readonly handlerFile: string;
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  readonly workers: Set<Worker>;
  readonly queue: Request[];
  earlyExits: number;
}
interface Request {
  readonly id: string;
  readonly fn: Fn;
  readonly event: SimEvent;
  readonly key: string;
  readonly seq: number;
  readonly generation: number;
  /** Crash decisions of this delivery's attempts. */
  readonly rng: Random;
  state: State;
  since: number;
  receivedAt: number;
  attempts: number;
  lastError?: SimError;
  timer?: NodeJS.Timeout;
}
interface Worker {
  readonly proc: ChildProcess;
  readonly fn: Fn;
  ready: boolean;
  run?: Running;
}
interface Running {
  readonly req: Request;
  readonly id: string;
  readonly startedAt: number;
  readonly timers: NodeJS.Timeout[];
  killedFor?: SimError;
}
type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; id: string; ok: boolean; result?: unknown; error?: { name: string; message: string } };

export class LambdaSim {
  private readonly fns: Fn[];
  private readonly timeScale: number;
  private rates: DeliveryRates;
  private readonly pending = new Set<Request>();
  private heads = 0;
  private sequence = 0;
  private stopped = false;
  private readonly waiters = new Set<(err?: Error) => void>();
  private readonly dead: { letter: DeadLetter; req: Request }[] = [];
  private readonly counts = Object.fromEntries(STATS.map((name) => [name, 0])) as SimStats;

  constructor(private readonly o: SimOptions) {
    this.timeScale = o.timeScale ?? 1;
    this.rates = checkedRates({ ...NO_FAULTS, ...o.rates });
    this.fns = o.functions.map((f, index) => ({
      index,
      config: f.config,
      handlerFile: path.resolve(f.handlerFile),
      env: lambdaEnv(f.config, f.env ?? {}),
      timeoutMs: o.functionTimeoutMs ?? f.config.timeoutSeconds * 1000 * this.timeScale,
      workers: new Set(),
      queue: [],
      earlyExits: 0,
    }));
  }

  async start(): Promise<void> {
    const ready = this.fns.flatMap((fn) => Array.from({ length: this.o.concurrency ?? 4 }, () => this.spawn(fn)));
    await within(Promise.all(ready), START_TIMEOUT_MS, 'the simulated functions did not start');
  }

  objectWritten(w: ObjectWritten): void {
    if (this.stopped) throw new Error('objectWritten after stop()');
    // The sequencer is S3's at write time: taken now, in call order, whenever the HeadObject answers.
    const seq = ++this.sequence;
    this.heads++;
    const given = w.size !== undefined && w.etag !== undefined ? { size: w.size, etag: w.etag } : undefined;
    const facts = Promise.resolve().then(() => given ?? this.o.head(w));
    // S3 sent its event whatever happened since; without the facts it goes out without size and ETag.
    void facts
      .catch(() => undefined)
      .then((f) => {
        this.heads--;
        if (!this.stopped) this.publish(w, seq, f);
        this.settled();
      });
  }

  drain(timeoutMs: number): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('drain after stop()'));
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => waiter(new Error(`not drained after ${timeoutMs} ms: ${this.describePending()}`)),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  deadLetters(): readonly DeadLetter[] {
    return this.dead.map((d) => d.letter);
  }

  /** As the redrive loop of docs/exporter.md does: each dead letter is a new asynchronous invocation. */
  async redrive(): Promise<void> {
    for (const { req } of this.dead.splice(0)) {
      this.counts.redriven++;
      this.counts.deliveries++;
      this.accept(this.request(req.fn, req.event, req.key, req.seq, 0, req.generation + 1));
    }
  }

  setRates(r: Partial<DeliveryRates>): void {
    this.rates = checkedRates({ ...this.rates, ...r });
  }

  stats(): SimStats {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const req of this.pending) clearTimeout(req.timer);
    const exits: Promise<void>[] = [];
    for (const fn of this.fns) {
      fn.queue.length = 0;
      for (const w of fn.workers) {
        w.run?.timers.forEach(clearTimeout);
        exits.push(exited(w.proc));
        w.proc.kill('SIGKILL');
      }
    }
    await within(Promise.all(exits), 5000, 'workers did not exit').catch(() => undefined);
    for (const waiter of [...this.waiters]) waiter(new Error('the simulation was stopped'));
  }

  private publish(w: ObjectWritten, seq: number, facts: ObjectFacts) {
    const where = this.fns[0]?.config;
    const { event, encoded, rng } = objectCreated(w, this.o.seed, seq, facts, this.rates.formEncodedKey, where);
    this.counts.events++;
    if (encoded) this.counts.formEncoded++;
    if (!facts) this.counts.headMissing++;
    for (const fn of this.fns) {
      if (matches(fn.config.pattern, event)) this.deliver(fn, event, w.key, seq, rng);
    }
  }

  /** A late or duplicate delivery is held as pending from now, so that drain waits for it and stop cancels it. */
  private deliver(fn: Fn, event: SimEvent, key: string, seq: number, rng: Random) {
    for (const { copy, late, delayMs } of deliveries(rng, this.rates, this.o.lateMs)) {
      const req = this.request(fn, event, key, seq, copy, 0);
      this.counts.deliveries++;
      if (copy === 1) this.counts.duplicates++;
      if (late) this.counts.late++;
      if (delayMs === 0) this.accept(req);
      else req.timer = setTimeout(() => this.accept(req), delayMs);
    }
  }

  private request(fn: Fn, event: SimEvent, key: string, seq: number, copy: number, generation: number): Request {
    const rng = new Random(mix(this.o.seed, seq, fn.index, copy, generation));
    const req: Request = {
      id: uuid(rng),
      fn,
      event,
      key,
      seq,
      generation,
      rng,
      state: 'held',
      since: Date.now(),
      receivedAt: 0,
      attempts: 0,
    };
    this.pending.add(req);
    return req;
  }

  /** Lambda has the event: its age counts from here. */
  private accept(req: Request) {
    req.receivedAt = Date.now();
    this.enqueue(req);
  }

  private enqueue(req: Request) {
    req.timer = undefined;
    req.state = 'queued';
    req.since = Date.now();
    req.fn.queue.push(req);
    this.dispatch(req.fn);
  }

  private tooOld(req: Request): boolean {
    return Date.now() - req.receivedAt > req.fn.config.maximumEventAgeSeconds * 1000 * this.timeScale;
  }

  private dispatch(fn: Fn) {
    for (const worker of fn.workers) {
      if (!worker.ready || worker.run) continue;
      let req = fn.queue.shift();
      while (req && this.tooOld(req)) {
        this.deadLetter(req, 'EventAgeExceeded');
        req = fn.queue.shift();
      }
      if (!req) return;
      this.invoke(worker, req);
    }
  }

  private invoke(worker: Worker, req: Request) {
    const { fn } = req;
    const startedAt = Date.now();
    req.attempts++;
    req.state = 'running';
    req.since = startedAt;
    this.counts.invocations++;
    const run: Running = { req, id: `${req.id}/${req.attempts}`, startedAt, timers: [] };
    worker.run = run;
    const seconds = (fn.timeoutMs / 1000).toFixed(2);
    run.timers.push(
      setTimeout(
        () => this.kill(worker, run, 'Sandbox.Timedout', `Task timed out after ${seconds} seconds`),
        fn.timeoutMs,
      ),
    );
    // Drawn for every attempt so that one attempt's fate does not shift the next one's.
    const crash = req.rng.chance(this.rates.crash);
    const crashAt = req.rng.int(
      0,
      Math.max(0, Math.floor(Math.min(this.o.crashWithinMs ?? Infinity, fn.timeoutMs)) - 1),
    );
    if (crash)
      run.timers.push(
        setTimeout(() => this.kill(worker, run, 'Runtime.ExitError', 'Runtime exited with signal: killed'), crashAt),
      );
    const { name, memoryMb, region, account } = fn.config;
    worker.proc.send({
      type: 'invoke',
      id: run.id,
      event: req.event,
      context: {
        awsRequestId: req.id,
        invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${name}`,
        functionName: name,
        functionVersion: '$LATEST',
        memoryLimitInMB: String(memoryMb),
        logGroupName: `/aws/lambda/${name}`,
        logStreamName: `sim/[$LATEST]${worker.proc.pid}`,
        deadline: startedAt + fn.timeoutMs,
      },
    });
  }

  private kill(worker: Worker, run: Running, type: string, message: string) {
    if (worker.run !== run || run.killedFor) return;
    if (type === 'Runtime.ExitError') this.counts.crashes++;
    run.killedFor = { type, message };
    worker.proc.kill('SIGKILL');
  }

  private spawn(fn: Fn): Promise<void> {
    const proc = fork(WORKER, [fn.handlerFile, fn.config.handler.split('.').pop()!], {
      env: fn.env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const worker: Worker = { proc, fn, ready: false };
    fn.workers.add(worker);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      readline
        .createInterface({ input: stream, crlfDelay: Infinity })
        .on('line', (line) => this.o.onLog?.(fn.config.name, line));
    }
    return new Promise((resolve, reject) => {
      proc.on('message', (m: WorkerMessage) => {
        if (m.type === 'done') return this.answered(worker, m);
        if (m.type !== 'ready' || worker.ready) return;
        worker.ready = true;
        fn.earlyExits = 0;
        resolve();
        this.dispatch(fn);
      });
      proc.on('error', (err) => reject(err));
      proc.on('exit', (code, signal) => {
        if (!worker.ready)
          reject(new Error(`a worker of ${fn.config.name} exited before loading its handler (${signal ?? code})`));
        this.exited(worker, code, signal);
      });
    });
  }

  private answered(worker: Worker, m: Extract<WorkerMessage, { type: 'done' }>) {
    const run = worker.run;
    if (!run || run.killedFor || run.id !== m.id) return;
    worker.run = undefined;
    run.timers.forEach(clearTimeout);
    const error = m.ok ? undefined : { type: m.error?.name ?? 'Error', message: m.error?.message ?? '' };
    // The function's last lines may still be in its pipes: finishing on the next turn lets onLog see them first.
    setImmediate(() => this.finish(run, error, m.result));
    this.dispatch(worker.fn);
  }

  private exited(worker: Worker, code: number | null, signal: NodeJS.Signals | null) {
    const { fn } = worker;
    fn.workers.delete(worker);
    const run = worker.run;
    if (run) {
      worker.run = undefined;
      run.timers.forEach(clearTimeout);
      const how = signal ? `signal: ${signal}` : `error: exit status ${code}`;
      this.finish(run, run.killedFor ?? { type: 'Runtime.ExitError', message: `Runtime exited with ${how}` });
    }
    if (this.stopped) return;
    if (!worker.ready && ++fn.earlyExits > MAX_EARLY_EXITS) return;
    this.spawn(fn).catch(() => undefined);
  }

  private finish(run: Running, error?: SimError, result?: unknown) {
    if (this.stopped) return;
    const { req } = run;
    this.o.onInvocation?.({
      functionName: req.fn.config.name,
      requestId: req.id,
      attempt: req.attempts,
      key: req.key,
      sequencer: req.event.detail.object.sequencer,
      event: req.event,
      startedAt: run.startedAt,
      durationMs: Date.now() - run.startedAt,
      ok: !error,
      ...(error ? { error } : { result }),
    });
    if (!error) {
      this.pending.delete(req);
      return this.settled();
    }
    this.counts.failures++;
    req.lastError = error;
    if (req.attempts > req.fn.config.maximumRetryAttempts) return this.deadLetter(req, 'RetriesExhausted');
    req.state = 'retrying';
    req.since = Date.now();
    const delayS = RETRY_DELAYS_S[Math.min(req.attempts, RETRY_DELAYS_S.length) - 1];
    req.timer = setTimeout(() => {
      if (this.tooOld(req)) return this.deadLetter(req, 'EventAgeExceeded');
      this.counts.retries++;
      this.enqueue(req);
    }, delayS * 1000 * this.timeScale);
  }

  private deadLetter(req: Request, condition: DeadLetter['condition']) {
    this.pending.delete(req);
    this.counts.deadLetters++;
    if (condition === 'EventAgeExceeded') this.counts.expired++;
    const error = req.lastError ?? { type: 'EventAgeExceeded', message: 'the event expired before its first attempt' };
    const letter = {
      functionName: req.fn.config.name,
      requestId: req.id,
      condition,
      attempts: req.attempts,
      error,
      key: req.key,
      event: req.event,
    };
    this.dead.push({ letter, req });
    this.settled();
  }

  private idle(): boolean {
    return this.heads === 0 && this.pending.size === 0;
  }

  private settled() {
    if (this.idle()) for (const waiter of [...this.waiters]) waiter();
  }

  private describePending(): string {
    const now = Date.now();
    const byState: Record<string, number> = {};
    for (const r of this.pending) byState[r.state] = (byState[r.state] ?? 0) + 1;
    const counts = Object.entries(byState).map(([s, n]) => `${n} ${s}`);
    if (this.heads > 0) counts.push(`${this.heads} waiting for HeadObject`);
    const examples = [...this.pending]
      .slice(0, 5)
      .map((r) => `${r.fn.config.name} ${r.key} ${r.state} for ${now - r.since} ms after ${r.attempts} attempt(s)`);
    const without = this.fns.filter((f) => f.workers.size === 0).map((f) => `${f.config.name} has no workers left`);
    return [counts.join(', '), ...examples, ...without].join('; ');
  }
}

/** Lambda's own variables, then the stack's, then the local run's. Nothing of this process leaks in but PATH. */
function lambdaEnv(c: FunctionConfig, overrides: Readonly<Record<string, string>>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_LAMBDA_FUNCTION_NAME: c.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.name}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_REGION: c.region,
    AWS_DEFAULT_REGION: c.region,
    TZ: 'UTC',
    // The SDK warns that Node 20 is old on every cold start; Lambda runs 22.
    NODE_NO_WARNINGS: '1',
    ...c.env,
    ...overrides,
  };
}

function checkedRates(r: DeliveryRates): DeliveryRates {
  for (const [name, p] of Object.entries(r)) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`rates.${name} must be a probability, got ${p}`);
  }
  return r;
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
