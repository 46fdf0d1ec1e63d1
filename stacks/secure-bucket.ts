import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { toJson, type PolicyDocument } from '../naming';

export interface SecureBucketProps {
  readonly name: string;
  /** Must include the TLS-only statements (see `tlsOnly`). */
  readonly policy: PolicyDocument;
  readonly versioned: boolean;
  readonly abortIncompleteUploadDays: number;
  /** With versioning: how long an overwritten version is kept. */
  readonly noncurrentVersionDays: number;
  /**
   * Objects are deleted this many days after they were last written.
   * @default never
   */
  readonly expireObjectsDays?: number;
  /**
   * Objects under each prefix are deleted (in a versioned bucket: made noncurrent, then removed after
   * `noncurrentVersionDays`) this many days after they were written; one lifecycle rule each, named `id`.
   * @default none
   */
  readonly expirePrefixes?: readonly ExpirePrefix[];
}

export interface ExpirePrefix {
  readonly id: string;
  /** A key prefix, normally ending in `/`; not empty (that is `expireObjectsDays`). */
  readonly prefix: string;
  readonly days: number;
}

/**
 * The only way a bucket is made here: public access blocked, ACLs disabled (the bucket owner owns every object),
 * encrypted by default, TLS enforced by its policy, and incomplete multipart uploads cleaned up.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.name });
    const bucket = this.bucket.id;
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    // The policy is applied after the public access block, which would otherwise race it on creation.
    new S3BucketPolicy(this, 'policy', { bucket, policy: toJson(props.policy), dependsOn: [publicAccess] });
    const versioning =
      props.versioned &&
      new S3BucketVersioningA(this, 'versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'abort-incomplete-multipart-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays }],
        },
        ...(props.versioned
          ? [
              {
                id: 'expire-noncurrent-versions',
                status: 'Enabled',
                filter: [{ prefix: '' }],
                noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays }],
                expiration: [{ expiredObjectDeleteMarker: true }],
              },
            ]
          : []),
        ...(props.expireObjectsDays !== undefined
          ? [
              {
                id: 'expire-objects',
                status: 'Enabled',
                filter: [{ prefix: '' }],
                expiration: [{ days: props.expireObjectsDays }],
              },
            ]
          : []),
        ...(props.expirePrefixes ?? []).map((e) => ({
          id: e.id,
          status: 'Enabled',
          filter: [{ prefix: e.prefix }],
          expiration: [{ days: e.days }],
        })),
      ],
      dependsOn: versioning ? [versioning] : [],
    });
  }
}
