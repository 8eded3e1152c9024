import { findOrStartRedis } from '@kpress/local-services';

/** A Redis for one test file. */
export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * `redis:7` in Docker (testcontainers) when KPRESS_TEST_DOCKER=1, otherwise the Redis at REDIS_URL
 * (default redis://127.0.0.1:6379), or a private redis-server if none answers there.
 * One of the two places tests read the environment.
 */
export async function getTestRedis(): Promise<TestRedis> {
  if (process.env['KPRESS_TEST_DOCKER'] === '1') return startRedisContainer();
  const redis = await findOrStartRedis({ url: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', allowStart: true });
  return { url: redis.url, stop: () => redis.stop() };
}

async function startRedisContainer(): Promise<TestRedis> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('redis:7')
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    stop: async () => {
      await container.stop();
    },
  };
}
