import { Redis } from 'ioredis';

/** Whether a Redis answered PING, and if not, why. */
export type PingResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** PINGs the Redis at `url` once: one connection attempt of at most `timeoutMs`, no retries. */
export async function pingRedis(url: string, timeoutMs = 1000): Promise<PingResult> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // Failures surface through connect()/ping(); without a listener ioredis would print them.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    redis.disconnect();
  }
}

/** The URL with its password replaced by `***`, for messages. */
export function redactRedisUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
