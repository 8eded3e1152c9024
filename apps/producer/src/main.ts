import { IMAGE_QUEUE, SCHEDULE_QUEUE } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import { completeRun } from '@kpress/reports';
import { createFailureMemory, createRunStore, type FailureMemory, type RunStore } from '@kpress/runs';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type CancelResult, cancelRun } from './cancel-run.js';
import { type EnqueueDeps, type EnqueueProgress, type EnqueueRequest, enqueueRun } from './enqueue-run.js';
import { createScheduleTickProcessor, type ScheduleTickDeps } from './schedule-tick.js';

/**
 * What a run's progress is shown through while it is listed: the run id once recorded, counts
 * after each batch, a dry run's entries, and a signal that stops the listing (Ctrl-C).
 */
export type EnqueueSinks = Pick<EnqueueDeps, 'onRunCreated' | 'onProgress' | 'onDryRunEntry' | 'signal'>;

/**
 * The producer side of kpress as one process holds it (`kpress enqueue`, `retry`, `cancel`,
 * `status`, `runs`, `report`): one Redis connection and S3, the image queue and the run store on
 * them. Runs are finished here when the producer is the one to finish them (see completeRun).
 */
export interface Producer {
  readonly redis: Redis;
  readonly store: ObjectStore;
  readonly runs: RunStore;
  readonly failureMemory: FailureMemory;
  readonly queue: Queue;
  /** Records the run, lists its source and queues its jobs (enqueueRun), showing progress through `sinks`. */
  enqueue(request: EnqueueRequest, sinks?: EnqueueSinks): Promise<EnqueueProgress>;
  /** Cancels a run (cancelRun); when nothing of it was left in flight, writes its report now. */
  cancel(runId: string, reason: string): Promise<CancelResult>;
  /** Closes the queue, then the Redis connection and the S3 client given to openProducer. */
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** KPRESS_PREFIX: every Redis key and queue lives under it. */
  readonly prefix: string;
  readonly logger: Logger;
}

/** A producer on a connected Redis client and an S3 client, which it owns from now on (close() ends them). */
export function openProducer(redis: Redis, store: ObjectStore, options: ProducerOptions): Producer {
  const { logger } = options;
  const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix: options.prefix });
  const runs = createRunStore(redis, options.prefix);
  const failureMemory = createFailureMemory(redis, options.prefix);
  return {
    redis,
    store,
    runs,
    failureMemory,
    queue,
    enqueue: (request, sinks = {}) => enqueueRun(request, { store, runs, failureMemory, queue, logger, ...sinks }),
    async cancel(runId, reason) {
      const result = await cancelRun(runs, queue, runId, reason);
      if (result.completedRun) await completeRun({ runs, store, logger }, runId);
      return result;
    },
    async close() {
      await queue.close();
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
  const processTick = createScheduleTickProcessor(deps);
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
