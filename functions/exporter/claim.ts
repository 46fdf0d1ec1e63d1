import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { DEFAULTS } from './defaults';
import { ExportError, isAccessDenied, isNotFound, NothingToWrite, sleep, withRetries } from './errors';
import { existingTarget } from './event';
import * as ledger from './ledger';
import { NO_RECORD, readLedger, updateLedger, type LedgerLocation, type LedgerState } from './ledger-store';
import type { ObjectFacts } from './object';
import { uploadsAt } from './transfer/multipart';
import { targetUpload, type TargetLocation } from './transfer/requests';

export interface ClaimOptions {
  readonly client: S3Client;
  readonly ledger: LedgerLocation;
  readonly target: TargetLocation;
  /** A claim not heard from for this long is dead (its invocation crashed): CLAIM_TTL_MS. */
  readonly ttlMs: number;
  /** The function's own deadline: waiting for another claim never outlasts it. */
  readonly signal?: AbortSignal;
  /** Milliseconds this invocation may still wait for another claim before giving the event back to Lambda. */
  readonly waitBudgetMs: () => number;
}

/**
 * One transfer's claim on a key in the ledger (ledger.ts says what the record means): entered before a transfer,
 * kept alive by a heartbeat while it runs, holding the key's write for the one request that makes the object appear
 * at the target, and committed (or released) at the end. `lost` aborts when the heartbeat finds the claim gone,
 * which only happens when this invocation was silent for longer than the time to live.
 */
export class KeyClaim {
  private readonly lostController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** The record as it was just before this claim took the write: what the target may hold of ours. */
  beforeWrite: ledger.KeyRecord | undefined;
  /** The record as this claim last read or wrote it: most updates need no read (nobody else wrote meanwhile). */
  private state: LedgerState | undefined;
  /** When the claim was last renewed in the ledger (the time written there, which others compare with). */
  private renewed = 0;

  private constructor(
    private readonly o: ClaimOptions,
    readonly me: ledger.Me,
  ) {}

  /** Aborted when the claim was found dead by others: stop before writing anything more. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /**
   * Enters a claim for `version` (with `write`, holding the key's write at once: single-request transfers). Waits,
   * within the budget, while another claim holds the write. `id` continues a handed-over transfer's claim.
   */
  static async enter(
    o: ClaimOptions,
    version: ledger.VersionRef,
    options: { write: boolean; id?: string },
  ): Promise<{ entry: Exclude<ledger.Entry, 'wait' | 'conflict'>; claim: KeyClaim }> {
    const claim = new KeyClaim(o, { ...version, id: options.id ?? randomUUID() });
    const entry = await claim.take(options.write);
    if (entry === 'go') claim.startBeating();
    return { entry, claim };
  }

  /** Takes the key's write (if this claim does not hold it yet): 'superseded' if a newer upload was delivered meanwhile. */
  async write(): Promise<'go' | 'superseded' | 'delivered'> {
    // Held since it was entered: nobody else can have delivered meanwhile, as that takes the write too.
    if (this.beforeWrite) return 'go';
    return this.take(true);
  }

  /**
   * The check just before the write that makes the object appear at the target (a Transfer's `beforeWrite`): this
   * claim takes the key's write (waiting for any other writer), and the target, looked at only now that nobody else
   * of ours can write it, must be one `targetDecision` lets us overwrite.
   */
  guard(source: ObjectFacts, keepFiles: boolean): () => Promise<'write' | 'skip'> {
    const { client, target } = this.o;
    return async () => {
      const entry = await this.write();
      if (entry !== 'go') throw new NothingToWrite(entry, target);
      return ledger.targetDecision(source, await existingTarget(client, target), this.beforeWrite!, keepFiles);
    };
  }

  private async take(write: boolean): Promise<Exclude<ledger.Entry, 'wait' | 'conflict'>> {
    // A claim's first look assumes a key seen for the first time: it tries creating the record rather than reading.
    this.state ??= NO_RECORD;
    for (let pause = 50; ; pause = Math.min(2_000, pause * 2)) {
      let before: ledger.KeyRecord = ledger.EMPTY_RECORD;
      const at = Date.now();
      const d = await this.update(
        (r) => ((before = r), ledger.enter(r, this.me, at, this.o.ttlMs, write)),
        this.o.signal,
      );
      if (d.result === 'go') this.renewed = Math.max(this.renewed, at);
      await this.abortUploads(d.dropped);
      if (d.result === 'conflict') throw this.conflict(d.state.record);
      if (d.result !== 'wait') {
        // The record before this claim took the write: what the target may hold of earlier writes.
        if (write && d.result === 'go') this.beforeWrite = before;
        return d.result;
      }
      // What made it wait is in a record someone else will change: read it afresh next time.
      this.state = undefined;
      if (this.o.waitBudgetMs() < pause) {
        throw new ExportError(
          `Another export is writing s3://${this.o.target.bucket}/${this.o.target.key} (a different upload of the ` +
            'same file, or one whose function stopped and has not yet timed out): nothing was written or deleted; ' +
            'the event will be retried.',
          'KeyBusy',
        );
      }
      await sleep(pause * (0.5 + Math.random()), this.o.signal);
    }
  }

  /** Two uploads with one sequencer cannot be ordered: keep everything and let a person look. */
  private conflict(r: ledger.KeyRecord): ExportError {
    return new ExportError(
      `The ledger says version ${r.delivered?.versionId} of s3://${this.o.target.bucket}/${this.o.target.key}'s ` +
        `source was delivered with the sequencer ${this.me.sequencer}, which this event gives version ` +
        `${this.me.versionId}: S3 gives every write its own, so the event or the ledger is not S3's. Nothing was ` +
        'copied or deleted.',
      'SequencerConflict',
    );
  }

  /**
   * Beats every sixth of the time to live, so that a slow or failed beat or two (S3 throttling) costs nothing, and
   * fences itself off when the beats have not got through.
   */
  private startBeating(): void {
    const every = Math.max(10, Math.floor(this.o.ttlMs / 6));
    this.timer = setInterval(() => {
      if (Date.now() - this.renewed > this.o.ttlMs * DEFAULTS.fenceShare) this.lose('could not be renewed in time');
      else void this.beat().catch(() => undefined);
    }, every);
    this.timer.unref?.();
  }

  /** Keeps the claim alive; records the multipart upload once it exists, so that nobody takes it for an orphan. */
  async beat(uploadId?: string): Promise<void> {
    const at = Date.now();
    const d = await this.update((r) => ledger.beat(r, this.me.id, at, uploadId));
    if (d.result === 'lost') this.lose(`was taken for dead (no heartbeat for ${this.o.ttlMs} ms)`);
    else this.renewed = Math.max(this.renewed, at);
  }

  private lose(why: string): void {
    if (this.lost.aborted) return;
    this.stop();
    const err = new ExportError(
      `The claim on s3://${this.o.target.bucket}/${this.o.target.key} ${why}: this transfer stopped before writing ` +
        'anything more; the event will be retried.',
      'ClaimLost',
    );
    this.lostController.abort(err);
  }

  /** The multipart upload now exists. When S3 may have made another (the SDK retried the create), abort that one. */
  async uploadCreated(uploadId: string, attempts: number): Promise<void> {
    await this.beat(uploadId);
    if (attempts > 1) await this.sweep();
  }

  /** A handed-over transfer stays alive without heartbeats until the next invocation continues it. */
  async handOver(untilMs: number): Promise<void> {
    this.stop();
    await this.update((r) => ledger.holdUntil(r, this.me.id, untilMs));
  }

  /**
   * This version is delivered and verified, and its receipt written at `receipt`. Returns the older versions that
   * waited for it, to delete.
   */
  async commit(targetEtag: string | undefined, receipt?: string): Promise<readonly ledger.VersionRef[]> {
    this.stop();
    const d = await this.update((r) => ledger.commit(r, this.me, targetEtag, receipt));
    await this.abortUploads(d.dropped);
    return d.result;
  }

  /** The older versions were deleted: they wait no more. */
  async forget(deleted: readonly ledger.VersionRef[]): Promise<void> {
    if (deleted.length) await this.update((r) => ledger.forget(r, deleted));
  }

  /** Ends the claim without a delivery; never throws (a claim left behind dies by itself). */
  async release(): Promise<void> {
    this.stop();
    await this.update((r) => ledger.release(r, this.me.id)).catch(() => undefined);
  }

  /** Without a signal unless given: ending a claim must work after the function's deadline fired. */
  private async update<T>(decide: (r: ledger.KeyRecord) => ledger.Decision<T>, signal?: AbortSignal) {
    const d = await updateLedger(this.o.client, this.o.ledger, decide, signal, this.state);
    this.state = d.state;
    return d;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Aborts the multipart uploads at the key that no live claim will complete. Needs s3:ListBucketMultipartUploads
   * on the receiving bucket; without it the uploads stay for the receiver's lifecycle rule, and the answer says so.
   */
  async sweep(): Promise<string | undefined> {
    const { client, target } = this.o;
    try {
      const open = await uploadsAt(client, target);
      if (open.length === 0) return undefined;
      const record = await readLedger(client, this.o.ledger);
      for (const u of ledger.orphans(open, record, Date.now(), this.o.ttlMs, DEFAULTS.clockSkewMs))
        await this.abortUpload(u.uploadId);
      return undefined;
    } catch (err) {
      if (!isAccessDenied(err)) throw err;
      return (
        `s3://${target.bucket} does not let the exporter list incomplete multipart uploads ` +
        '(s3:ListBucketMultipartUploads), so any left by a failure stay until its lifecycle rule removes them'
      );
    }
  }

  private async abortUploads(dropped: readonly ledger.Claim[] | undefined): Promise<void> {
    for (const c of dropped ?? []) if (c.uploadId) await this.abortUpload(c.uploadId);
  }

  private async abortUpload(uploadId: string): Promise<void> {
    const upload = targetUpload(this.o.target, uploadId);
    const abort = () => this.o.client.send(new AbortMultipartUploadCommand(upload));
    await withRetries(abort, { attempts: DEFAULTS.partAttempts }).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
