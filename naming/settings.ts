/**
 * The platform's fixed facts. Every derived name and ARN is computed from these, so they live in one value that
 * stacks, the exporter and the CLI all receive. Defaults are those of the system we replace: receivers' bucket
 * policies name these resources, so changing a default is a breaking change for them.
 */
export interface PlatformSettings {
  /** AWS account that owns the export bucket, exporter roles and pull buckets. */
  readonly account: string;
  readonly region: string;
  /** The one bucket analysts write push exports into. */
  readonly exportBucket: string;
  /** Pull buckets are `<prefix><dataset name with _ replaced by ->`. */
  readonly pullBucketPrefix: string;
  /** IAM path of exporter roles; must start and end with `/`. */
  readonly rolePath: string;
}

export const DEFAULT_SETTINGS: PlatformSettings = Object.freeze({
  account: '593291632749',
  region: 'eu-west-1',
  exportBucket: 'mojap-hub-exports',
  pullBucketPrefix: 'mojap-',
  rolePath: '/service-role/',
});
