import type { ErrorReply, ObservedWrite, ProxiedRequest } from './fault-proxy';

/**
 * S3's conditional create, for the proxy (fault-proxy.ts) in front of the local server. AWS documents (S3 User
 * Guide, "Preventing object overwrites with conditional writes") that a PutObject carrying `If-None-Match: *` fails
 * with 412 PreconditionFailed when the key has a current object, in versioned buckets as in unversioned ones, and
 * with 409 ConditionalRequestConflict while another conditional write of the key is in flight (answered 412 here
 * too: the exporter takes either for "there already"). The local server,
 * Ceph RGW 16.2, honours it only in unversioned buckets: in a versioned bucket the second write succeeds
 * (`__tests__/exporter/create-only.s3.test.ts` shows it). The exporter's receipts live in the versioned export bucket
 * and rely on it, so `CreateOnly` EMULATES the documented AWS behaviour for the keys it is given, from the writes the
 * proxy saw applied. It proves what the exporter does when S3 refuses; it proves nothing about S3 itself.
 */
export class CreateOnly {
  /** Keys (`bucket/key`) with a current object, or a conditional create on its way to S3. */
  private readonly taken = new Set<string>();

  /** `applies`: the keys to emulate for (all writes to them must pass this proxy). */
  constructor(private readonly applies: (bucket: string, key: string) => boolean) {}

  /** For the proxy's `onWrite`: a key written is taken. */
  observe(w: ObservedWrite): void {
    if (this.applies(w.bucket, w.key)) this.taken.add(`${w.bucket}/${w.key}`);
  }

  /** For the proxy's `answerInstead`: S3's answer to a conditional create of a key that is taken, else undefined. */
  refusal(req: ProxiedRequest): ErrorReply | undefined {
    const ifNoneMatch = req.headers['if-none-match'];
    if (req.method !== 'PUT' || ifNoneMatch !== '*' || !this.applies(req.bucket, req.key)) return undefined;
    const at = `${req.bucket}/${req.key}`;
    if (this.taken.has(at)) {
      return {
        status: 412,
        code: 'PreconditionFailed',
        message: 'At least one of the pre-conditions you specified did not hold',
      };
    }
    // Taken from now: a second create racing this one is refused, as one of two would be on S3.
    this.taken.add(at);
    return undefined;
  }
}
