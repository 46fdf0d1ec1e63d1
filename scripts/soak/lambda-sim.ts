import {
  deliveries,
  objectCreated,
  type EventRates,
  type ObjectFacts,
  type ObjectWritten,
  type SimEvent,
} from './eventbridge-sim';
import { Drain } from './drain';
import { LambdaFunction, type Request } from './lambda-function';
import { Random, mix, uuid } from './random';
import { matches, type FunctionConfig } from './stack-config';
import { startAll, stopAll, type Run, type SimError } from './worker-pool';

// The simulation's whole API stays here: soak.ts, scripts/local and the tests import from this module alone.
export { compareSequencers, formEncode, type ObjectWritten, type SimEvent } from './eventbridge-sim';
export type { SimError } from './worker-pool';

/**
 * S3 → EventBridge → asynchronous Lambda, as AWS runs it, around a handler file in child processes. The events and
 * how often and when they arrive are eventbridge-sim.ts's; each function's queue and attempts (timeout, crashes) are
 * lambda-function.ts's, its processes worker-pool.ts's. Here each delivery becomes a request with Lambda's
 * asynchronous semantics: its age, retries and a dead-letter list, and a redrive. Everything random is decided from
 * the seed and the event's sequence number, so a run is replayed from its seed whatever order things finish in.
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
const NO_FAULTS: DeliveryRates = { duplicate: 0, concurrentDuplicate: 0, late: 0, crash: 0, formEncodedKey: 0 };

export class LambdaSim {
  private readonly fns: LambdaFunction[];
  private readonly timeScale: number;
  private rates: DeliveryRates;
  private readonly pending = new Set<Request>();
  private heads = 0;
  private sequence = 0;
  private stopped = false;
  private readonly drained = new Drain(
    () => this.heads === 0 && this.pending.size === 0,
    () => this.describePending(),
  );
  private readonly dead: { letter: DeadLetter; req: Request }[] = [];
  private readonly counts = Object.fromEntries(STATS.map((name) => [name, 0])) as SimStats;

  constructor(private readonly o: SimOptions) {
    this.timeScale = o.timeScale ?? 1;
    this.rates = checkedRates({ ...NO_FAULTS, ...o.rates });
    this.fns = o.functions.map((f, index) => this.fnOf(f, index));
  }

  async start(): Promise<void> {
    const pools = this.fns.map((fn) => fn.pool);
    await startAll(pools, this.o.concurrency ?? 4);
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
        this.drained.settled();
      });
  }

  drain(timeoutMs: number): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('drain after stop()'));
    return this.drained.wait(timeoutMs);
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
    for (const fn of this.fns) fn.clear();
    await stopAll(this.fns.map((fn) => fn.pool));
    this.drained.fail('the simulation was stopped');
  }

  private fnOf(f: SimOptions['functions'][number], index: number): LambdaFunction {
    const { config } = f;
    return new LambdaFunction({
      index,
      config,
      handlerFile: f.handlerFile,
      env: f.env ?? {},
      timeoutMs: this.o.functionTimeoutMs ?? config.timeoutSeconds * 1000 * this.timeScale,
      crashWithinMs: this.o.crashWithinMs,
      crashRate: () => this.rates.crash,
      expired: (req) => this.expired(req),
      onEnd: (run, error, result) => this.finish(run, error, result),
      onLog: (line) => this.o.onLog?.(config.name, line),
      counts: this.counts,
    });
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
  private deliver(fn: LambdaFunction, event: SimEvent, key: string, seq: number, rng: Random) {
    for (const { copy, late, delayMs } of deliveries(rng, this.rates, this.o.lateMs)) {
      const req = this.request(fn, event, key, seq, copy, 0);
      this.counts.deliveries++;
      if (copy === 1) this.counts.duplicates++;
      if (late) this.counts.late++;
      if (delayMs === 0) this.accept(req);
      else req.timer = setTimeout(() => this.accept(req), delayMs);
    }
  }

  private request(
    fn: LambdaFunction,
    event: SimEvent,
    key: string,
    seq: number,
    copy: number,
    generation: number,
  ): Request {
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
    req.fn.enqueue(req);
  }

  private tooOld(req: Request): boolean {
    return Date.now() - req.receivedAt > req.fn.config.maximumEventAgeSeconds * 1000 * this.timeScale;
  }

  /** When its turn comes, an event older than the function's maximum age is dead-lettered instead of run. */
  private expired(req: Request): boolean {
    if (!this.tooOld(req)) return false;
    this.deadLetter(req, 'EventAgeExceeded');
    return true;
  }

  private finish(run: Run<Request>, error?: SimError, result?: unknown) {
    if (this.stopped) return;
    const { job: req } = run;
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
      return this.drained.settled();
    }
    this.counts.failures++;
    req.lastError = error;
    if (req.attempts > req.fn.config.maximumRetryAttempts) return this.deadLetter(req, 'RetriesExhausted');
    req.state = 'retrying';
    req.since = Date.now();
    const delayS = RETRY_DELAYS_S[Math.min(req.attempts, RETRY_DELAYS_S.length) - 1];
    req.timer = setTimeout(() => {
      if (this.expired(req)) return;
      this.counts.retries++;
      req.fn.enqueue(req);
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
    this.drained.settled();
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
    const without = this.fns.filter((f) => f.pool.size === 0).map((f) => `${f.config.name} has no workers left`);
    return [counts.join(', '), ...examples, ...without].join('; ');
  }
}

function checkedRates(r: DeliveryRates): DeliveryRates {
  for (const [name, p] of Object.entries(r)) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`rates.${name} must be a probability, got ${p}`);
  }
  return r;
}
