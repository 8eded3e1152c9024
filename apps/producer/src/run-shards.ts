import { createHash } from 'node:crypto';
import { IMAGE_QUEUE } from '@kpress/job-contract';
import { createFailureMemory, createRunStore, type FailureMemory, runKeys, type RunStore } from '@kpress/runs';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** One KPRESS_PREFIX of the list: its image queue and the runs placed on it. */
export interface RunShard {
  readonly index: number;
  readonly prefix: string;
  readonly runs: RunStore;
  readonly queue: Queue;
}

/**
 * The shards a deployment spreads its runs over (KPRESS_PREFIX=a,b,c). On Redis Cluster each
 * prefix's `{hash tag}` puts its queue and runs in one slot, so each shard is bounded by one
 * master and several shards use several. A run lives on one shard from its creation; `runs`
 * finds it there whatever the shard. The first prefix is home: schedules, remembered failures
 * and source → destination pairs live there.
 */
export interface RunShards {
  readonly all: readonly RunShard[];
  readonly home: RunShard;
  /** Runs of every shard: each call goes to the shard that holds the run (see place). */
  readonly runs: RunStore;
  /** Remembered failures, one memory for every shard (home's). */
  readonly failureMemory: FailureMemory;
  /**
   * The shard a new run goes to: `chosen` (0-based) when given, else one picked by the hash of
   * its id. A run that exists already keeps its shard (creating it again is then refused).
   */
  place(runId: string, chosen?: number): Promise<RunShard>;
  /** The shard that holds the run; null when no shard does. */
  locate(runId: string): Promise<RunShard | null>;
  close(): Promise<void>;
}

/** Runs whose shard is remembered, at most (a long-lived worker sees many). */
const LOCATIONS_KEPT = 10_000;

export function createRunShards(redis: Redis, prefixes: readonly string[]): RunShards {
  if (prefixes.length === 0) throw new RangeError('createRunShards needs at least one prefix');
  const all: RunShard[] = prefixes.map((prefix, index) => ({
    index,
    prefix,
    runs: createRunStore(redis, prefix),
    queue: new Queue(IMAGE_QUEUE, { connection: redis, prefix }),
  }));
  const home = all[0]!;
  const located = new Map<string, RunShard>();
  const remember = (runId: string, shard: RunShard): RunShard => {
    if (located.size >= LOCATIONS_KEPT) located.clear();
    located.set(runId, shard);
    return shard;
  };

  async function locate(runId: string): Promise<RunShard | null> {
    const known = located.get(runId);
    if (known !== undefined) return known;
    if (all.length === 1) return (await home.runs.get(runId)) === null ? null : remember(runId, home);
    const found = await Promise.all(all.map((shard) => redis.exists(runKeys(shard.prefix, runId).hash)));
    const index = found.findIndex((count) => count > 0);
    return index < 0 ? null : remember(runId, all[index]!);
  }

  /** The shard of a run for a call about it: where it is, else where it would be placed. */
  async function shardOf(runId: string): Promise<RunShard> {
    return (await locate(runId)) ?? all[hashedIndex(runId, all.length)]!;
  }

  const runs: RunStore =
    all.length === 1
      ? home.runs
      : {
          create: async (definition) => (await shardOf(definition.runId)).runs.create(definition),
          heartbeat: async (runId) => (await shardOf(runId)).runs.heartbeat(runId),
          addListing: async (runId, counts) => (await shardOf(runId)).runs.addListing(runId, counts),
          addSkippedFailures: async (runId, records) => (await shardOf(runId)).runs.addSkippedFailures(runId, records),
          skippedFailures: async (runId, limit) => (await shardOf(runId)).runs.skippedFailures(runId, limit),
          fail: async (runId, reason) => (await shardOf(runId)).runs.fail(runId, reason),
          cancel: async (runId, reason) => (await shardOf(runId)).runs.cancel(runId, reason),
          // Pairs live on the home shard; the run holding a pair is looked for on every shard.
          takePair: (pair, runId, force) => home.runs.takePair.call(runs, pair, runId, force),
          addJobs: async (runId, jobs) => (await shardOf(runId)).runs.addJobs(runId, jobs),
          closeListing: async (runId, jobs) => (await shardOf(runId)).runs.closeListing(runId, jobs),
          startJob: async (runId, jobId) => (await shardOf(runId)).runs.startJob(runId, jobId),
          finishJob: async (runId, jobId, outcome, ordinal) =>
            (await shardOf(runId)).runs.finishJob(runId, jobId, outcome, ordinal),
          spillResults: async (runId, pages, options) => (await shardOf(runId)).runs.spillResults(runId, pages, options),
          openClaims: async (runId) => (await shardOf(runId)).runs.openClaims(runId),
          claimOutputs: async (runId, entries) => (await shardOf(runId)).runs.claimOutputs(runId, entries),
          markReported: async (runId) => (await shardOf(runId)).runs.markReported(runId),
          get: async (runId) => (await shardOf(runId)).runs.get(runId),
          failures: async (runId, limit) => (await shardOf(runId)).runs.failures(runId, limit),
          async *results(runId, pages) {
            yield* (await shardOf(runId)).runs.results(runId, pages);
          },
          recent: (limit) => recentOnEveryShard(redis, all, limit),
          markSeen: async (runId, entries) => (await shardOf(runId)).runs.markSeen(runId, entries),
          commitBatch: async (runId, batch) => (await shardOf(runId)).runs.commitBatch(runId, batch),
          pauseListing: async (runId, queued, maxQueued) => (await shardOf(runId)).runs.pauseListing(runId, queued, maxQueued),
          unpauseListing: async (runId) => (await shardOf(runId)).runs.unpauseListing(runId),
          resumeListing: async (runId) => (await shardOf(runId)).runs.resumeListing(runId),
          listingCounts: async (runId) => (await shardOf(runId)).runs.listingCounts(runId),
          reconcileListing: async (runId, expected) => (await shardOf(runId)).runs.reconcileListing(runId, expected),
        };

  return {
    all,
    home,
    runs,
    failureMemory: createFailureMemory(redis, home.prefix),
    async place(runId, chosen) {
      if (chosen !== undefined && (chosen < 0 || chosen >= all.length || !Number.isInteger(chosen))) {
        throw new RangeError(`shard ${chosen} does not exist: KPRESS_PREFIX lists ${all.length} (0 to ${all.length - 1})`);
      }
      const existing = await locate(runId);
      if (existing !== null) return existing;
      return remember(runId, all[chosen ?? hashedIndex(runId, all.length)]!);
    },
    locate,
    async close() {
      await Promise.all(all.map((shard) => shard.queue.close()));
    },
  };
}

/** A run id's shard when none is chosen: spread evenly, the same on every process. */
export function hashedIndex(runId: string, shards: number): number {
  return createHash('sha256').update(runId).digest().readUInt32BE(0) % shards;
}

/** The newest run ids over every shard: each shard's newest, merged by creation time. */
async function recentOnEveryShard(redis: Redis, shards: readonly RunShard[], limit: number): Promise<string[]> {
  const perShard = await Promise.all(
    shards.map(async (shard) => {
      const ids = await shard.runs.recent(limit);
      const created = await Promise.all(ids.map((id) => redis.hget(runKeys(shard.prefix, id).hash, 'createdAt')));
      return ids.map((id, i) => ({ id, createdAt: Number(created[i] ?? 0) }));
    }),
  );
  return perShard
    .flat()
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    .slice(0, limit)
    .map((entry) => entry.id);
}
