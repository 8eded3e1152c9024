import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script that Redis runs by its SHA1, so its text crosses the network once per server. */
export interface LuaScript {
  run(redis: Redis, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/**
 * EVALSHA first; on NOSCRIPT (a new or restarted server, or SCRIPT FLUSH) one EVAL, which also
 * caches the script there for the next call. The same fallback BullMQ's scripts use (ioredis).
 */
export function luaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
