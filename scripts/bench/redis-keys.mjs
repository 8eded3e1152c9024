// @ts-check
/** Redis figures and key scans for the benchmarks. */

/** @param {import('ioredis').Redis} redis */
export async function usedMemory(redis) {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

/**
 * Every key matching `pattern` (SCAN, never KEYS).
 * @param {import('ioredis').Redis} redis
 * @param {string} pattern
 */
export async function scanKeys(redis, pattern) {
  /** @type {string[]} */
  const found = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}
