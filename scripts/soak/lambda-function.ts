import * as path from 'node:path';
import type { SimEvent } from './eventbridge-sim';
import { invocationContext, lambdaEnv } from './lambda-runtime';
import type { Random } from './random';
import type { FunctionConfig } from './stack-config';
import { WorkerPool, type Run, type SimError, type Worker } from './worker-pool';

/**
 * One function as Lambda runs its asynchronous invocations: a queue of events, and execution environments that each
 * take the next one when free and run one attempt at a time, with the function's timeout and, as the seeded draw
 * decides, a crash. What an attempt's end means for its event (done, retried, dead-lettered) is lambda-sim.ts's.
 */

/** Where a request is: waiting to arrive (late or duplicate), for an environment, on one, or for its retry. */
export type State = 'held' | 'queued' | 'running' | 'retrying';

/** One delivery of an event to a function, from its arrival to its end, over all its attempts. */
export interface Request {
  readonly id: string;
  readonly fn: LambdaFunction;
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

export interface FunctionOptions {
  /** The function's place in the simulation's list: part of its requests' seeds. */
  readonly index: number;
  readonly config: FunctionConfig;
  readonly handlerFile: string;
  /** Merged over Lambda's and the stack's variables (lambda-runtime.ts). */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** See SimOptions.crashWithinMs. */
  readonly crashWithinMs?: number;
  /** The crash rate at this moment: setRates may change it between attempts. */
  readonly crashRate: () => number;
  /** Dead-letters a request whose turn came too late; true when it did, and the request is not to run. */
  readonly expired: (req: Request) => boolean;
  readonly onEnd: (run: Run<Request>, error?: SimError, result?: unknown) => void;
  readonly onLog?: (line: string) => void;
  /** The simulation's counters this side adds to. */
  readonly counts: { invocations: number; crashes: number };
}

export class LambdaFunction {
  readonly index: number;
  readonly config: FunctionConfig;
  readonly pool: WorkerPool<Request>;
  private readonly queue: Request[] = [];

  constructor(private readonly o: FunctionOptions) {
    this.index = o.index;
    this.config = o.config;
    this.pool = new WorkerPool<Request>({
      name: o.config.name,
      handlerFile: path.resolve(o.handlerFile),
      exportName: o.config.handler.split('.').pop()!,
      env: lambdaEnv(o.config, o.env),
      onLog: o.onLog,
      onFree: () => this.dispatch(),
      onEnd: o.onEnd,
    });
  }

  /** The request waits for a free environment from now, behind those already waiting. */
  enqueue(req: Request): void {
    req.timer = undefined;
    req.state = 'queued';
    req.since = Date.now();
    this.queue.push(req);
    this.dispatch();
  }

  /** Forgets every waiting request: the simulation stopped. */
  clear(): void {
    this.queue.length = 0;
  }

  private dispatch() {
    for (const worker of this.pool.idle()) {
      let req = this.queue.shift();
      while (req && this.o.expired(req)) req = this.queue.shift();
      if (!req) return;
      this.invoke(worker, req);
    }
  }

  private invoke(worker: Worker<Request>, req: Request) {
    const { timeoutMs } = this.o;
    const startedAt = Date.now();
    req.attempts++;
    req.state = 'running';
    req.since = startedAt;
    this.o.counts.invocations++;
    const run: Run<Request> = { job: req, id: `${req.id}/${req.attempts}`, startedAt, timers: [] };
    const seconds = (timeoutMs / 1000).toFixed(2);
    const timedOut = () => ({ type: 'Sandbox.Timedout', message: `Task timed out after ${seconds} seconds` });
    run.timers.push(setTimeout(() => this.pool.kill(worker, run, timedOut()), timeoutMs));
    // Drawn for every attempt so that one attempt's fate does not shift the next one's.
    const crash = req.rng.chance(this.o.crashRate());
    const crashAt = req.rng.int(0, Math.max(0, Math.floor(Math.min(this.o.crashWithinMs ?? Infinity, timeoutMs)) - 1));
    const killed = () => ({ type: 'Runtime.ExitError', message: 'Runtime exited with signal: killed' });
    // Counted only when it happens: a crash planned for after the attempt ended is none.
    const crashNow = () => {
      if (this.pool.kill(worker, run, killed())) this.o.counts.crashes++;
    };
    if (crash) run.timers.push(setTimeout(crashNow, crashAt));
    const context = invocationContext(this.config, req.id, worker.proc.pid, startedAt + timeoutMs);
    this.pool.invoke(worker, run, req.event, context);
  }
}
