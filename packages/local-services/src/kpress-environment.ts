import type { EmbeddedS3 } from './embedded-s3.js';

/** Where kpress processes find the embedded services. */
export interface EmbeddedServices {
  readonly redisUrl: string;
  readonly s3: Pick<EmbeddedS3, 'endpoint' | 'credentials'>;
  /** KPRESS_PREFIX, when the caller keeps its queues apart from others. */
  readonly prefix?: string;
}

/**
 * The environment variables (docs/contract.md) that point a kpress process — a worker, an enqueue — at
 * an embedded S3 server and a Redis: path-style addressing and the credentials s3rver knows.
 */
export function kpressEnvironment(services: EmbeddedServices): Record<string, string> {
  return {
    REDIS_URL: services.redisUrl,
    ...(services.prefix === undefined ? {} : { KPRESS_PREFIX: services.prefix }),
    S3_ENDPOINT: services.s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: services.s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: services.s3.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
}
