import { SCHEDULE_QUEUE } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import { completeRun } from '@kpress/reports';
import { type FailureMemory, runKeys, type RunStore } from '@kpress/runs';
import { type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type CancelResult, cancelRun } from './cancel-run.js';
import { type EnqueueDeps, type EnqueueProgress, type EnqueueRequest, enqueueRun } from './enqueue-run.js';
import { replicaConfirmer } from './replica-confirm.js';
import { createRunShards, type RunShard, type RunShards } from './run-shards.js';
import { createScheduleTickProcessor, type ScheduleTickDeps } from './schedule-tick.js';

/**
 * What a run's progress is shown through while it is listed: the run id once recorded, counts
 * after each batch, a dry run's entries, and a signal that stops the listing (Ctrl-C).
 */
export type EnqueueSinks = Pick<EnqueueDeps, 'onRunCreated' | 'onProgress' | 'onDryRunEntry' | 'signal'>;

/**
 * The producer side of kpress as one process holds it (`kpress enqueue`, `retry`, `cancel`,
 * `status`, `runs`, `report`): one Redis connection and S3, the image queue of every shard and the
 * run store on them. Runs are finished here when the producer is the one to finish them (see completeRun).
 */
export interface Producer {
  readonly redis: Redis;
  readonly store: ObjectStore;
  /** The shards of KPRESS_PREFIX; a run is on one of them. */
  readonly shards: RunShards;
  /** Runs of every shard (each call goes to the run's shard). */
  readonly runs: RunStore;
  readonly failureMemory: FailureMemory;
  /** The image queue of the shard that holds the run (or would hold it: see RunShards.place). */
  queueOf(runId: string): Promise<Queue>;
  /**
   * Records the run on shard `shard` (0-based; default: picked by the hash of its id; a resumed
   * run stays on its own), lists its source and queues its jobs (enqueueRun), showing progress
   * through `sinks`. On Redis Cluster each batch is confirmed by a replica (confirmWrites).
   */
  enqueue(request: EnqueueRequest, sinks?: EnqueueSinks, shard?: number): Promise<EnqueueProgress>;
  /** Cancels a run (cancelRun); when nothing of it was left in flight, writes its report now. */
  cancel(runId: string, reason: string): Promise<CancelResult>;
  /** Closes the queues, then the Redis connection and the S3 client given to openProducer. */
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** KPRESS_PREFIX, one prefix per shard (the first is home): every Redis key and queue lives under one. */
  readonly prefixes: readonly string[];
  readonly logger: Logger;
}

/** A producer on a connected Redis client and an S3 client, which it owns from now on (close() ends them). */
export function openProducer(redis: Redis, store: ObjectStore, options: ProducerOptions): Producer {
  const { logger } = options;
  const shards = createRunShards(redis, options.prefixes);
  const { runs, failureMemory } = shards;
  const shardOf = async (runId: string): Promise<RunShard> => (await shards.locate(runId)) ?? (await shards.place(runId));
  const confirm = replicaConfirmer(redis, logger);
  return {
    redis,
    store,
    shards,
    runs,
    failureMemory,
    queueOf: async (runId) => (await shardOf(runId)).queue,
    async enqueue(request, sinks = {}, shard) {
      // A new run goes to the chosen shard or one picked by its id; a resumed one stays on its own.
      const placed = await shards.place(request.runId, shard);
      return enqueueRun(request, {
        store,
        runs,
        failureMemory,
        queue: placed.queue,
        // Not logger.child({ runId }): enqueueRun names the run in its lines itself (schedule ticks share it).
        logger,
        ...sinks,
        ...(confirm === null ? {} : { confirmWrites: () => confirm(runKeys(placed.prefix, request.runId).hash) }),
      });
    },
    async cancel(runId, reason) {
      const result = await cancelRun(runs, (await shardOf(runId)).queue, runId, reason);
      if (result.completedRun) await completeRun({ runs, store, logger }, runId);
      return result;
    },
    async close() {
      await shards.close();
      redis.disconnect();
      store.destroy();
    },
  };
}

/** The BullMQ worker that takes schedule ticks, and how many it is processing. */
export interface ScheduleTicks {
  readonly worker: Worker;
  readonly inFlight: () => number;
}

/**
 * Takes the ticks of every schedule (`kpress schedule add`), one at a time per process; each
 * tick starts an incremental run (createScheduleTickProcessor). Runs in the worker process: any
 * running worker takes ticks, so schedules need no process of their own.
 */
export function startScheduleTicks(deps: ScheduleTickDeps & { readonly connection: Redis }): ScheduleTicks {
  let inFlight = 0;
  // On Redis Cluster, each batch a tick's run queues is confirmed by a replica, as an enqueue's is.
  const processTick = createScheduleTickProcessor({ confirmWrites: replicaConfirmer(deps.redis, deps.logger), ...deps });
  const worker = new Worker(
    SCHEDULE_QUEUE,
    async (job) => {
      inFlight++;
      try {
        return await processTick(job);
      } finally {
        inFlight--;
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  worker.on('error', (error) => deps.logger.error({ err: error }, 'schedule worker error'));
  return { worker, inFlight: () => inFlight };
}
