import { createS3ObjectStore, type ObjectStore } from '@kpress/object-store';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Redis connections as BullMQ's production guidance asks: workers wait out outages
 * (maxRetriesPerRequest null, required for blocking commands); producers and status fail fast
 * (no offline queue) so a dead Redis is an error, not a hang.
 */
export async function connectRedis(config: Config, role: 'worker' | 'client', logger: Logger): Promise<Redis> {
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    retryStrategy: (attempt) => (role === 'client' && attempt > 3 ? null : Math.min(attempt * 200, 2_000)),
  });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at ${redactUrl(config.redisUrl)} (REDIS_URL): ${(error as Error).message}`, {
      cause: error,
    });
  }
  await warnUnlessNoEviction(redis, logger);
  return redis;
}

/** BullMQ loses jobs if Redis evicts keys; say so once at start-up. */
async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn({ policy }, 'Redis maxmemory-policy is not "noeviction": under memory pressure Redis may evict queued jobs');
    }
  } catch {
    // Managed Redis often forbids CONFIG; nothing to check then.
  }
}

export function createObjectStore(config: Config): ObjectStore {
  return createS3ObjectStore({
    ...(config.s3.endpoint ? { endpoint: config.s3.endpoint } : {}),
    region: config.s3.region,
    forcePathStyle: config.s3.forcePathStyle,
  });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
