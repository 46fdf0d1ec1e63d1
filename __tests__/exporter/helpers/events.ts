/** AWS-shaped events, as S3 sends them, for the exporter's tests. */

export interface EventObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly versionId?: string;
  /** S3's order of the key's writes; when absent, the next one is taken (as if the event were for a new write). */
  readonly sequencer?: string;
}

let written = 0;
/**
 * The sequencer S3 would give the next write: increasing, of differing lengths (trailing zeros dropped), so that only
 * the documented comparison (right-pad with zeros, then compare) orders them.
 */
export function nextSequencer(): string {
  written += 1;
  const hex = (0x617f0829932900n + BigInt(written) * 0x100n).toString(16).toUpperCase().padStart(16, '0');
  return hex.replace(/0+$/, '') || '0';
}

/**
 * Form encoding as S3 notification records use it: spaces as `+`, slashes kept, every other byte but letters,
 * digits and `-_.*` percent-encoded.
 */
export function formEncode(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The EventBridge "Object Created" event, key as given (EventBridge's encoding is undocumented). */
export function eventBridgeEvent(bucket: string, o: EventObject) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '593291632749',
    time: '2026-01-02T03:04:05Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key: o.key,
        size: o.size,
        etag: o.etag,
        ...(o.versionId !== undefined && { 'version-id': o.versionId }),
        sequencer: o.sequencer ?? nextSequencer(),
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '593291632749',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

/** A classic S3 notification, key form-encoded as S3 does unless `raw` (as S3-compatible servers send it). */
export function s3RecordsEvent(bucket: string, o: EventObject, options: { raw?: boolean } = {}) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2026-01-02T03:04:05.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '1.2.3.4' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'hub-exports',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: options.raw ? o.key : formEncode(o.key),
            size: o.size,
            eTag: o.etag,
            ...(o.versionId !== undefined && { versionId: o.versionId }),
            sequencer: o.sequencer ?? nextSequencer(),
          },
        },
      },
    ],
  };
}
