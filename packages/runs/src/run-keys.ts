import { createHash } from 'node:crypto';

/**
 * Redis keys of a run. What is kept per job is one bit (the finished bitmap); results wait in a
 * buffer of at most a few pages before they move to S3, and the keys still kept per source (a
 * manifest's seen sources and output claims) are spread over SHARDS keys so no single Redis
 * value grows past ~1/64 of the run. With a `{hash tag}` prefix,
 * every key lands in one Redis Cluster slot, which the Lua scripts need.
 */
export const SHARDS = 64;

export interface RunKeys {
  readonly hash: string;
  readonly active: string;
  readonly failures: string;
  /** Sources skipped because they failed before, with that failure. */
  readonly skippedFailed: string;
  /** Bit N set: the job of ordinal N is counted (one bit per job, whatever the run's size). */
  readonly finishedBits: string;
  /** Results not yet in a result page (a list, spilled to S3 a page at a time). */
  readonly resultBuffer: string;
  /** Result pages taken from the buffer and not yet marked written to S3 (page → lines). */
  readonly pendingPages: string;
  /** Finished job ids of jobs queued without an ordinal (before ordinals existed). */
  finished(shard: number): string;
  /** Per-image results of runs recorded before result pages existed (read, never written). */
  legacyResults(shard: number): string;
  /** Output key → the source that claimed it: manifest and retry runs (a prefix listing claims in memory). */
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
    finishedBits: `${base}:finished-bits`,
    resultBuffer: `${base}:result-buffer`,
    pendingPages: `${base}:result-pages-pending`,
    finished: (shard) => `${base}:finished:${shard}`,
    legacyResults: (shard) => `${base}:results:${shard}`,
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
