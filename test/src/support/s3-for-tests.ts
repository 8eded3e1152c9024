import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3 } from '@kpress/local-services';

/** An S3-compatible server for one test file, reached with path-style addressing. */
export interface TestS3 {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  stop(): Promise<void>;
}

const MINIO_USER = 'kpress-test';
const MINIO_PASSWORD = 'kpress-test-secret';

/**
 * MinIO in Docker (testcontainers) when KPRESS_TEST_DOCKER=1, otherwise s3rver embedded in this
 * process with its objects in a temporary directory. One of the two places tests read the environment.
 */
export async function startTestS3(): Promise<TestS3> {
  return process.env['KPRESS_TEST_DOCKER'] === '1' ? startMinio() : startEmbedded();
}

async function startEmbedded(): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'kpress-s3-'));
  const s3 = await startEmbeddedS3({ directory });
  return {
    endpoint: s3.endpoint,
    ...s3.credentials,
    stop: async () => {
      await s3.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function startMinio(): Promise<TestS3> {
  // Loaded only here, so runs without Docker never touch testcontainers.
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('minio/minio')
    .withCommand(['server', '/data'])
    .withEnvironment({ MINIO_ROOT_USER: MINIO_USER, MINIO_ROOT_PASSWORD: MINIO_PASSWORD })
    .withExposedPorts(9000)
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  return {
    endpoint: `http://${container.getHost()}:${container.getMappedPort(9000)}`,
    accessKeyId: MINIO_USER,
    secretAccessKey: MINIO_PASSWORD,
    stop: async () => {
      await container.stop();
    },
  };
}
