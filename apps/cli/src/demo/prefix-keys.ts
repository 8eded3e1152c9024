import type { Redis } from 'ioredis';

/** Keys removed per UNLINK: a bounded command, whatever the number of keys. */
const UNLINK_BATCH = 500;

/** The SCAN pattern of every key under `prefix:`, with the prefix's own glob characters escaped. */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
}

/** Whether any key starts with `prefix:` (SCAN stops at the first one found). */
export async function prefixHasKeys(redis: Redis, prefix: string): Promise<boolean> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', prefixPattern(prefix), 'COUNT', 1000);
    if (keys.length > 0) return true;
    cursor = next;
  } while (cursor !== '0');
  return false;
}

/**
 * Removes every key under `prefix:` (queues, runs, run index, locks), SCAN page by page and
 * UNLINK in batches, so neither the client nor Redis holds the whole key list. Returns how many.
 */
export async function unlinkKeysUnder(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', prefixPattern(prefix), 'COUNT', 1000);
    for (let i = 0; i < keys.length; i += UNLINK_BATCH) removed += await redis.unlink(...keys.slice(i, i + UNLINK_BATCH));
    cursor = next;
  } while (cursor !== '0');
  return removed;
}
