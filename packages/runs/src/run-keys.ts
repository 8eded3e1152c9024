import { createHash } from 'node:crypto';

/**
 * Redis keys of a run. Per-job data is spread over SHARDS keys so no single Redis value grows
 * with the run (a 100,000-image run keeps ~1,600 members per key). With a `{hash tag}` prefix,
 * every key lands in one Redis Cluster slot, which the Lua scripts need.
 */
export const SHARDS = 64;

export interface RunKeys {
  readonly hash: string;
  readonly active: string;
  readonly failures: string;
  /** Sources skipped because they failed before, with that failure. */
  readonly skippedFailed: string;
  finished(shard: number): string;
  results(shard: number): string;
  outputs(shard: number): string;
  /** Sources a manifest run has seen (→ the line that named them first), to count a repeated line once. */
  seen(shard: number): string;
}

export function runKeys(prefix: string, runId: string): RunKeys {
  const base = `${prefix}:run:${runId}`;
  return {
    hash: base,
    active: `${base}:active`,
    failures: `${base}:failures`,
    skippedFailed: `${base}:skipped-failed`,
    finished: (shard) => `${base}:finished:${shard}`,
    results: (shard) => `${base}:results:${shard}`,
    outputs: (shard) => `${base}:outputs:${shard}`,
    seen: (shard) => `${base}:seen-at:${shard}`,
  };
}

/** Which run a source → destination pair belongs to now (one listing or running run per pair). */
export function pairKey(prefix: string, pair: string): string {
  return `${prefix}:pair:${createHash('sha256').update(pair).digest('hex').slice(0, 32)}`;
}

export function runIndexKey(prefix: string): string {
  return `${prefix}:runs`;
}

/** Stable shard of a string (FNV-1a). */
export function shardOf(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SHARDS;
}
