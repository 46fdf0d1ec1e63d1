import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { ExporterConfig } from './config';

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
    maxAttempts: 8,
    // Parts in flight share the client's sockets; the default of 50 would queue a wide multipart copy.
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: 128 },
      httpsAgent: { keepAlive: true, maxSockets: 128 },
    },
    ...(config.endpoint !== undefined && { endpoint: config.endpoint, forcePathStyle: true }),
    ...overrides,
  });
}
