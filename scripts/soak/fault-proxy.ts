import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { FaultChoice, NO_FAULTS, type FaultKind, type FaultRates } from './fault-choice';
import { parseTarget, writeOperation, type Target, type WriteOperation } from './s3-request';

// The proxy's whole API stays here: soak.ts, scripts/local and the tests import from this module alone.
export { DEFAULT_RATES, NO_FAULTS, type FaultKind, type FaultRates } from './fault-choice';

export interface ObservedWrite {
  readonly operation: WriteOperation;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  /** S3 applied the write but the proxy dropped its answer: the client saw a socket error. */
  readonly answerLost: boolean;
}

export interface ProxiedRequest {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
}

/** An answer in S3's error format that the proxy gives instead of forwarding (`answerInstead`). */
export interface ErrorReply {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** One injected fault; `request` is the 1-based arrival number of the request it hit. */
export interface FaultDecision extends Pick<ProxiedRequest, 'method' | 'bucket' | 'key'> {
  readonly request: number;
  readonly kind: FaultKind;
  /** How long a `latency` fault held the request back. */
  readonly delayMs?: number;
}

export interface FaultProxyOptions {
  readonly upstream: string;
  readonly seed: number;
  readonly rates?: Partial<FaultRates>;
  readonly latencyMs?: readonly [number, number];
  readonly port?: number;
  /** Which requests may get faults; default all. Observation happens for every request regardless. */
  readonly eligible?: (req: ProxiedRequest) => boolean;
  /**
   * Called for every write S3 applied (status 200 and, for CopyObject and CompleteMultipartUpload, a body that is not
   * an `<Error>`), also when the proxy then dropped the answer; in the order S3 answered, before the client has the
   * end of the answer, so an awaited command's write is always already reported.
   */
  readonly onWrite?: (w: ObservedWrite) => void;
  readonly onFault?: (f: FaultDecision) => void;
  /**
   * Looks at the world just before a request is forwarded (after its fault was drawn, only for requests that reach
   * S3): a promise holds the request back until it settles. The soak test checks there, before each DeleteObject of
   * an export, that the receiver already holds those bytes or newer ones.
   */
  readonly beforeForward?: (req: ProxiedRequest) => Promise<void> | undefined;
  /**
   * Answers a request with an S3 error instead of forwarding it, for AWS behaviour the local server lacks (e.g.
   * expected-owner.ts, which emulates S3's bucket owner condition). Asked for every request that would reach S3,
   * before `beforeForward`; a request it answers is not forwarded, and counts as no write.
   */
  readonly answerInstead?: (req: ProxiedRequest) => ErrorReply | undefined;
}

export type FaultCounts = Readonly<Record<FaultKind, number>> & {
  readonly requests: number;
  /** Upstream failures the proxy did not inject (answered 502, or a cut answer): real trouble, not chaos. */
  readonly upstreamErrors: number;
};

/** CopyObject and CompleteMultipartUpload can fail after a 200; their error bodies are small. */
const INSPECT_BYTES = 64 * 1024;
/** What a latency fault buffers while it waits, so a client that gives up meanwhile still reaches S3. */
const HOLD_BYTES = 8 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive']);

/**
 * A fault-injecting HTTP proxy for path-style S3 requests. One seeded draw sequence decides every request's fault in
 * arrival order (fault-choice.ts), so a soak run replays from its seed; here the fault is done to the exchange. Every
 * write S3 applied is reported (s3-request.ts tells which requests are writes), including those whose answer the
 * client never saw, which is what a soak test needs to tell lost writes from lost answers.
 */
export class FaultProxy {
  readonly seed: number;
  private readonly faults: FaultChoice;
  private readonly upstream: URL;
  // Below RGW's and S3's idle timeouts, so a kept-alive socket is never reused just as the server closes it.
  private readonly agent = new http.Agent({ keepAlive: true, timeout: 30_000 });
  private readonly server: http.Server;
  private readonly tally: Record<keyof FaultCounts, number> = { requests: 0, upstreamErrors: 0, ...NO_FAULTS };
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: FaultProxyOptions) {
    this.seed = options.seed;
    this.faults = new FaultChoice(options.seed, options.rates, options.latencyMs);
    this.upstream = new URL(options.upstream);
    if (this.upstream.protocol !== 'http:') throw new RangeError(`upstream must be http://, got ${options.upstream}`);
    // No time limit of our own: a slow large upload is the client's and S3's business. Node answers
    // `Expect: 100-continue` itself (no 'checkContinue' listener), so the client sends the body at once.
    this.server = http.createServer({ requestTimeout: 0 }, (req, res) => this.handle(req, res));
    // The SDK keeps sockets alive without an idle limit: closing ours sooner than S3 would resets its next request.
    this.server.keepAliveTimeout = 65_000;
  }

  async start(): Promise<string> {
    this.server.listen(this.options.port ?? 0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }

  /** Merged over the current rates: `setRates(NO_FAULTS)` turns every fault off, e.g. for a redrive. */
  setRates(rates: Partial<FaultRates>): void {
    this.faults.setRates(rates);
  }

  counts(): FaultCounts {
    return { ...this.tally };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const request = ++this.tally.requests;
    const method = req.method ?? 'GET';
    const target = parseTarget(req.url ?? '/');
    const eligible = this.options.eligible?.({ method, ...target, headers: req.headers }) ?? true;
    const { kind, delayMs } = this.faults.next(eligible);
    // A client going away is dealt with where it matters; it must never be an unhandled 'error'.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (kind) {
      this.tally[kind]++;
      const { bucket, key } = target;
      this.options.onFault?.({ request, kind, method, bucket, key, ...(kind === 'latency' && { delayMs }) });
    }
    const ex: Exchange = { req, res, target, op: writeOperation(method, target, req.headers), dropAnswer: false };
    const reaching = kind === undefined || kind === 'latency' || kind === 'lostAnswer';
    const id = `${(this.seed >>> 0).toString(16)}-${request}`.toUpperCase();
    const reply = reaching ? this.options.answerInstead?.({ method, ...target, headers: req.headers }) : undefined;
    if (reply) return refuse(ex, reply.status, reply.code, reply.message, id);
    const pending = reaching ? this.options.beforeForward?.({ method, ...target, headers: req.headers }) : undefined;
    if (pending) req.pause();
    const then = (go: () => void) => (pending ? void pending.then(go, go) : go());
    switch (kind) {
      case 'slowDown':
        return refuse(ex, 503, 'SlowDown', 'Please reduce your request rate.', id);
      case 'internalError':
        return refuse(ex, 500, 'InternalError', 'We encountered an internal error. Please try again.', id);
      case 'reset':
        return void req.socket.destroy();
      case 'latency':
        return then(() => this.hold(req, delayMs, (body) => this.forward(ex, body)));
      default:
        return then(() => this.forward({ ...ex, dropAnswer: kind === 'lostAnswer' }, req));
    }
  }

  /** Reads the body into a buffer while waiting, so a client that gives up meanwhile still has its request sent. */
  private hold(req: http.IncomingMessage, delayMs: number, then: (body: Readable) => void): void {
    const body = new PassThrough({ highWaterMark: HOLD_BYTES });
    req.pipe(body);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Gone before the whole request arrived: S3 would not have it either.
      if (req.readableEnded || !req.destroyed) then(body);
    }, delayMs);
    this.timers.add(timer);
  }

  private forward(ex: Exchange, body: Readable): void {
    const { req, res } = ex;
    // Raw headers exactly as sent: SigV4 signs Host, and node adds no Host of its own to an array of headers.
    const upstream = http.request({
      host: this.upstream.hostname,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      headers: req.rawHeaders,
      agent: this.agent,
    });
    let abandoned = false;
    let answered = false;
    req.once('close', () => {
      if (req.readableEnded) return;
      abandoned = true;
      upstream.destroy();
    });
    // After the answer has begun, a failed write of the rest of the body (S3 refusing early) is not ours to report:
    // a cut answer shows as the answer's own error.
    upstream.on('error', (err) => {
      if (abandoned || answered) return;
      this.tally.upstreamErrors++;
      if (ex.dropAnswer) return void req.socket.destroy();
      errorAnswer(res, 502, 'BadGateway', `fault-proxy: ${err.message}`, 'fault-proxy');
    });
    upstream.on('response', (answer) => {
      answered = true;
      this.relay(ex, answer);
    });
    body.pipe(upstream);
  }

  /** Streams S3's answer back (or reads it all and drops it), reporting an applied write before the answer ends. */
  private relay({ req, res, target, op, dropAnswer }: Exchange, answer: http.IncomingMessage): void {
    const inspect = op === 'CopyObject' || op === 'CompleteMultipartUpload';
    const seen: Buffer[] = [];
    let seenBytes = 0;
    const passOn = () => !dropAnswer && !res.destroyed;
    if (passOn()) res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
    // A client gone mid-answer must not stall reading S3's answer: the write may still need reporting.
    res.once('close', () => answer.resume());
    answer.on('data', (chunk: Buffer) => {
      if (inspect && seenBytes < INSPECT_BYTES) {
        seen.push(chunk);
        seenBytes += chunk.length;
      }
      if (passOn() && !res.write(chunk)) {
        answer.pause();
        res.once('drain', () => answer.resume());
      }
    });
    answer.on('error', () => {
      this.tally.upstreamErrors++;
      req.socket.destroy();
    });
    answer.on('end', () => {
      const applied = answer.statusCode === 200 && !(inspect && Buffer.concat(seen).includes('<Error>'));
      const versionId = answer.headers['x-amz-version-id'];
      if (op && applied) {
        const { bucket, key } = target;
        const version = typeof versionId === 'string' ? { versionId } : {};
        this.options.onWrite?.({ operation: op, bucket, key, ...version, answerLost: dropAnswer });
      }
      if (dropAnswer) req.socket.destroy();
      else res.end();
    });
  }
}

/** One request on its way through, and what the proxy makes of it. */
interface Exchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly target: Target;
  readonly op?: WriteOperation;
  /** lostAnswer: forward, read S3's whole answer, then cut the client off. */
  readonly dropAnswer: boolean;
}

/** An answer in S3's error format, with a request id as S3 gives (the SDK puts it in `$metadata.requestId`). */
function errorAnswer(res: http.ServerResponse, status: number, code: string, message: string, requestId: string) {
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    `<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(xml),
    'x-amz-request-id': requestId,
  });
  res.end(xml);
}

/** S3's own error answer, after reading the body: a client still writing would otherwise see a reset instead. */
function refuse({ req, res }: Exchange, status: number, code: string, message: string, requestId: string): void {
  req.once('end', () => errorAnswer(res, status, code, message, requestId));
  req.resume();
}

/** Connection management is per hop: the client's keep-alive is ours to keep, whatever S3 says to us. */
function endToEnd(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
}

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };
const escapeXml = (s: string) => s.replace(/[<>&]/g, (c) => ENTITIES[c]);
