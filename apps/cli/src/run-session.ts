import { IMAGE_QUEUE } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import { createFailureMemory, createRunStore, type FailureMemory, type RunSnapshot, type RunStore } from '@kpress/runs';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, createObjectStore } from './clients.js';
import type { CommandContext } from './commands/command.js';
import { completeRun } from './run-completion.js';
import { UsageError } from './usage-error.js';

/** What the run commands (enqueue, retry, cancel, runs, report, status) work with. */
export interface RunSession {
  readonly redis: Redis;
  readonly runs: RunStore;
  readonly failureMemory: FailureMemory;
  readonly store: ObjectStore;
  readonly queue: Queue;
  /** Writes the run's report (once per run, by whoever completed it). */
  complete(runId: string): Promise<void>;
  /** The run, or a usage error naming the prefix it was looked for under. */
  requireRun(runId: string): Promise<RunSnapshot>;
  close(): Promise<void>;
}

export async function openRunSession(context: CommandContext): Promise<RunSession> {
  const { config, logger } = context;
  const redis = await connectRedis(config, 'client', logger);
  const store = createObjectStore(config);
  const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix: config.prefix });
  const runs = createRunStore(redis, config.prefix);
  return {
    redis,
    runs,
    failureMemory: createFailureMemory(redis, config.prefix),
    store,
    queue,
    complete: (runId) => completeRun({ runs, store, logger }, runId),
    async requireRun(runId) {
      const run = await runs.get(runId);
      if (!run) throw new UsageError(`no run ${runId} in Redis (KPRESS_PREFIX=${config.prefix}); "kpress runs" lists the runs`);
      return run;
    },
    async close() {
      await queue.close();
      redis.disconnect();
      store.destroy();
    },
  };
}
