import type { ObjectStore } from '@kpress/object-store';
import { createRunShards, type RunShard, type RunShards } from '@kpress/producer';
import type { FailureMemory, RunSnapshot, RunStore } from '@kpress/runs';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, createObjectStore } from './clients.js';
import type { CommandContext } from './commands/command.js';
import { completeRun } from './run-completion.js';
import { UsageError } from './usage-error.js';

/** What the run commands (enqueue, retry, cancel, runs, report, status) work with. */
export interface RunSession {
  readonly redis: Redis;
  /** The shards of KPRESS_PREFIX; a run is on one of them. */
  readonly shards: RunShards;
  /** Runs of every shard (each call goes to the run's shard). */
  readonly runs: RunStore;
  readonly failureMemory: FailureMemory;
  readonly store: ObjectStore;
  /** The image queue of the shard that holds the run (or would hold it: see RunShards.place). */
  queueOf(runId: string): Promise<Queue>;
  /** Writes the run's report (once per run, by whoever completed it). */
  complete(runId: string): Promise<void>;
  /** The run, or a usage error naming the prefixes it was looked for under. */
  requireRun(runId: string): Promise<RunSnapshot>;
  close(): Promise<void>;
}

export async function openRunSession(context: CommandContext): Promise<RunSession> {
  const { config, logger } = context;
  const redis = await connectRedis(config, 'client', logger);
  const store = createObjectStore(config);
  const shards = createRunShards(redis, config.prefixes);
  const runs = shards.runs;
  const shardOf = async (runId: string): Promise<RunShard> => (await shards.locate(runId)) ?? (await shards.place(runId));
  return {
    redis,
    shards,
    runs,
    failureMemory: shards.failureMemory,
    store,
    queueOf: async (runId) => (await shardOf(runId)).queue,
    complete: (runId) => completeRun({ runs, store, logger }, runId),
    async requireRun(runId) {
      const run = await runs.get(runId);
      if (!run) {
        throw new UsageError(
          `no run ${runId} in Redis (KPRESS_PREFIX=${config.prefixes.join(',')}); "kpress runs" lists the runs`,
        );
      }
      return run;
    },
    async close() {
      await shards.close();
      redis.disconnect();
      store.destroy();
    },
  };
}
