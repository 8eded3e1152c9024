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
  // connect() rejects with a bare "Connection is closed."; the cause (ECONNREFUSED, NOAUTH…)
  // arrives as an 'error' event, which would also be printed if nothing listened.
  let cause: unknown;
  redis.on('error', (error: unknown) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return { ok: true };
  } catch (error) {
    const reported = cause ?? error;
    return { ok: false, reason: reported instanceof Error ? reported.message : String(reported) };
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
