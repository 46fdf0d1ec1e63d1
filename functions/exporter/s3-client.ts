import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { ExporterConfig } from './config';
import { DEFAULTS } from './defaults';

/**
 * The exporter's S3 client. Checksums only where S3 requires them: RGW (the local test server) rejects the SDK's
 * default streamed aws-chunked bodies, and the exporter compares S3's own stored checksums instead. Adaptive retries
 * slow the client down under 503 SlowDown rather than hammering a hot prefix.
 */
export function createS3Client(config: Pick<ExporterConfig, 'endpoint'>, overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryMode: 'adaptive',
    maxAttempts: DEFAULTS.sdkMaxAttempts,
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: DEFAULTS.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: DEFAULTS.maxSockets },
    },
    ...(config.endpoint !== undefined && { endpoint: config.endpoint, forcePathStyle: true }),
    ...overrides,
  });
}
