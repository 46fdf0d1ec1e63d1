import type { BucketAccounts } from '../../../scripts/soak/expected-owner';
import { operationOf } from '../../../scripts/soak/expected-owner';
import { FaultProxy, NO_FAULTS, type ErrorReply, type ProxiedRequest } from '../../../scripts/soak/fault-proxy';
import { Harness } from './harness';
import { ACCOUNTS } from './local-s3';

/**
 * The fault proxy in front of the local server with no faults, recording every request that reaches it (what went on
 * the wire, lib-storage's own requests included) and answering instead of S3 when `answer` says so: the emulation of
 * S3's bucket owner condition (scripts/soak/expected-owner.ts), or a refusal a test needs.
 */
export class OwnerProxy {
  readonly seen: ProxiedRequest[] = [];
  /** Asked for every request; a reply is given instead of forwarding. Reset by `reset()`. */
  answer: (req: ProxiedRequest) => ErrorReply | undefined = () => undefined;
  private proxy: FaultProxy | undefined;
  private endpoint = '';

  constructor(private readonly h: () => Harness) {}

  async start(): Promise<void> {
    this.proxy = new FaultProxy({
      upstream: this.h().s3.endpoint,
      seed: 12,
      rates: NO_FAULTS,
      answerInstead: (req) => {
        this.seen.push(req);
        return this.answer(req);
      },
    });
    this.endpoint = await this.proxy.start();
  }

  async stop(): Promise<void> {
    await this.proxy?.stop();
  }

  reset(): void {
    this.seen.length = 0;
    this.answer = () => undefined;
  }

  /** The test's harness, with the exporter's endpoint (AWS_ENDPOINT_URL_S3, and `invocation()` clients) the proxy. */
  harness(): Harness {
    return new Harness({ ...this.h().s3, endpoint: this.endpoint }, this.h().buckets);
  }

  /** The accounts the exporter is told own the test's buckets (the harness's TARGET_BUCKET_OWNER, PLATFORM_ACCOUNT). */
  accounts(): BucketAccounts {
    const { buckets } = this.h();
    return {
      [buckets.exportBucket]: ACCOUNTS.platform,
      [buckets.ledgerBucket]: ACCOUNTS.platform,
      [buckets.receiverBucket]: ACCOUNTS.receiver,
    };
  }

  /** `<operation> <export|ledger|target>` for each request seen since `from`. */
  kinds(from = 0): string[] {
    const { buckets } = this.h();
    const role = (bucket: string) =>
      bucket === buckets.exportBucket
        ? 'export'
        : bucket === buckets.ledgerBucket
          ? 'ledger'
          : bucket === buckets.receiverBucket
            ? 'target'
            : `other bucket ${bucket}`;
    return this.seen.slice(from).map((r) => `${operationOf(r)} ${role(r.bucket)}`);
  }
}

/** S3's refusal, as the proxy gives it for a request a test wants refused. */
export const ACCESS_DENIED: ErrorReply = { status: 403, code: 'AccessDenied', message: 'Access Denied' };
