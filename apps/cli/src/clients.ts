import { readFileSync } from 'node:fs';
import { createS3ObjectStore, type ObjectStore } from '@kpress/object-store';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { type Config, redactUrl } from './config.js';
import { scrubConnectionErrors } from './scrub-credentials.js';
import { UsageError } from './usage-error.js';

/**
 * Redis connections as BullMQ's production guidance asks: workers wait out outages
 * (maxRetriesPerRequest null, required for blocking commands); producers and status fail fast
 * (no offline queue, a few connection attempts) so a dead Redis is an error, not a hang.
 */
export async function connectRedis(config: Config, role: 'worker' | 'client', logger: Logger): Promise<Redis> {
  const retryStrategy = (attempt: number): number | null =>
    role === 'client' && attempt > 3 ? null : Math.min(attempt * 200, 2_000);
  const options: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    retryStrategy,
    // rediss:// turns TLS on in ioredis; a private CA is added to (not replacing) the checks.
    ...(config.redisTlsCaFile === undefined ? {} : { tls: { ca: readCaFile(config.redisTlsCaFile) } }),
  };
  const cluster = config.redisClusterNodes;
  const redis = cluster === null ? new Redis(config.redisUrl, options) : clusterClient(config, cluster, options, retryStrategy);
  const where =
    cluster === null
      ? `Redis at ${redactUrl(config.redisUrl)} (REDIS_URL)`
      : `Redis Cluster at ${cluster.map((n) => `${n.host}:${n.port}`).join(',')} (REDIS_CLUSTER_NODES)`;
  let lastError: Error | undefined;
  // Before BullMQ's listeners, on this connection and those BullMQ duplicates from it.
  scrubConnectionErrors(redis);
  redis.on('error', (error: Error) => {
    lastError = error;
    logger.debug({ err: error }, 'redis connection error');
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    // ioredis rejects with "Connection is closed."; the error event said why (e.g. WRONGPASS).
    const reason = lastError?.message ?? (error as Error).message;
    // No `cause`: ioredis errors can carry the AUTH command's arguments.
    throw new Error(`cannot connect to ${where}: ${reason}`);
  }
  // Connected: from now on a client reconnects for as long as it lives (commands still fail
  // fast while Redis is away), so `status --wait` can follow a run across a Redis restart.
  const forever = (attempt: number): number => Math.min(attempt * 200, 2_000);
  if (redis instanceof Cluster) (redis as Cluster).options.clusterRetryStrategy = forever;
  else redis.options.retryStrategy = forever;
  await warnUnlessNoEviction(redis, logger);
  return redis;
}

/**
 * A Redis Cluster client to the seed nodes, authenticating and encrypting as REDIS_URL says
 * (username, password, rediss://). Returned as a Redis: ioredis' Cluster has the same commands
 * (MULTI and Lua included, for keys of one slot, which a {hash tag} prefix guarantees) and
 * BullMQ takes either; nothing in kpress uses what only a single-server client has.
 */
function clusterClient(
  config: Config,
  nodes: readonly { readonly host: string; readonly port: number }[],
  options: RedisOptions,
  retryStrategy: (attempt: number) => number | null,
): Redis {
  const url = new URL(config.redisUrl);
  const tls = url.protocol === 'rediss:' ? (options.tls ?? {}) : undefined;
  const cluster = new Cluster(
    nodes.map((node) => ({ host: node.host, port: node.port })),
    {
      lazyConnect: true,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      clusterRetryStrategy: retryStrategy,
      // A failover moves slots: follow MOVED/TRYAGAIN for longer than the default while a replica takes over.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      maxRedirections: 32,
      redisOptions: {
        connectTimeout: options.connectTimeout ?? 5_000,
        maxRetriesPerRequest: options.maxRetriesPerRequest ?? null,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(tls === undefined ? {} : { tls }),
      },
    },
  );
  return cluster as unknown as Redis;
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`environment variable REDIS_TLS_CA_FILE: cannot read ${path}: ${(error as Error).message}`);
  }
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
