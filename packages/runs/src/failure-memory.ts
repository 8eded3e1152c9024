import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { shardOf } from './run-keys.js';

/** A source that failed permanently, as an incremental run remembers it. */
export interface RememberedFailure {
  /** The job hash it failed with (source version, destination, parameters). */
  readonly hash: string;
  readonly source: string;
  readonly code: string;
  readonly reason: string;
  readonly runId: string;
  /** When it failed (ms since the epoch). */
  readonly at: number;
}

/** Where one source → output pair stands, and with which job hash it would run now. */
export interface FailureLookup {
  /** Names the pair whatever its version: source URL and output URL. */
  readonly identity: string;
  /** The job hash the pair has now; a remembered failure counts only with the same hash. */
  readonly hash: string;
}

/**
 * Remembered failures live this long after the last one recorded in their shard: a source that
 * keeps failing the same way is tried again about once a quarter, never every night.
 */
export const FAILURE_MEMORY_TTL_SECONDS = 90 * 24 * 3600;

/**
 * Permanent failures, remembered per source → output pair (one entry per pair: a later failure
 * replaces it), spread over SHARDS hashes so none grows with the archive. An incremental run
 * skips a pair whose remembered failure has the job hash it would run with now; a changed object
 * (new ETag) or parameters have another hash and run again.
 */
export interface FailureMemory {
  remember(identity: string, failure: RememberedFailure): Promise<void>;
  /** For each entry, its remembered failure with the same hash, or null. */
  recall(entries: readonly FailureLookup[]): Promise<(RememberedFailure | null)[]>;
}

export function createFailureMemory(redis: Redis, prefix: string): FailureMemory {
  const shardKey = (field: string): string => `${prefix}:failed:${shardOf(field)}`;
  return {
    async remember(identity, failure) {
      const field = fieldOf(identity);
      const key = shardKey(field);
      await redis.multi().hset(key, field, JSON.stringify(failure)).expire(key, FAILURE_MEMORY_TTL_SECONDS).exec();
    },
    async recall(entries) {
      if (entries.length === 0) return [];
      const lookup = redis.multi();
      for (const { identity } of entries) {
        const field = fieldOf(identity);
        lookup.hget(shardKey(field), field);
      }
      const replies = (await lookup.exec()) ?? [];
      return entries.map(({ hash }, i) => {
        const raw = replies[i]?.[1];
        if (typeof raw !== 'string') return null;
        const failure = JSON.parse(raw) as RememberedFailure;
        return failure.hash === hash ? failure : null;
      });
    },
  };
}

function fieldOf(identity: string): string {
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}
