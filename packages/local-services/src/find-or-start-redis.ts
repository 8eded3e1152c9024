import { pingRedis, redactRedisUrl } from './ping-redis.js';
import { RedisServerNotFoundError, startRedisServer } from './redis-server.js';

/** Which Redis to look for, and whether a private one may be started. */
export interface FindOrStartRedisOptions {
  /** The Redis to use if it answers PING, e.g. `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** Spawn a private `redis-server` (if on PATH) when nothing answers at `url`. */
  readonly allowStart: boolean;
}

/** A Redis that answered PING. */
export interface FoundRedis {
  readonly url: string;
  /** True when this call spawned it; stop() then shuts it down, else stop() does nothing. */
  readonly started: boolean;
  stop(): Promise<void>;
}

/** Uses the Redis at `url` if it answers, else (when allowed) starts a private redis-server. */
export async function findOrStartRedis(options: FindOrStartRedisOptions): Promise<FoundRedis> {
  if (typeof options.url !== 'string' || !URL.canParse(options.url)) {
    throw new TypeError(`url must be a Redis URL such as "redis://127.0.0.1:6379", received ${JSON.stringify(options.url)}`);
  }
  const ping = await pingRedis(options.url);
  if (ping.ok) return { url: options.url, started: false, stop: () => Promise.resolve() };

  const missing = `no Redis answered at ${redactRedisUrl(options.url)} (${ping.reason})`;
  const howTo =
    'install one (e.g. `apt-get install -y redis-server` or `brew install redis`) and run `redis-server`, ' +
    'or set REDIS_URL to a Redis that runs';
  if (!options.allowStart) throw new Error(`${missing}; ${howTo}`);
  try {
    const server = await startRedisServer();
    return { url: server.url, started: true, stop: () => server.stop() };
  } catch (error) {
    if (error instanceof RedisServerNotFoundError) {
      throw new Error(`${missing} and redis-server is not on PATH to start a private one; ${howTo}`, { cause: error });
    }
    throw new Error(`${missing} and a private redis-server failed to start; ${howTo}`, { cause: error });
  }
}
