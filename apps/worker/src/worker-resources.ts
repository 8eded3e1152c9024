import type { ObjectStore } from '@kpress/object-store';
import type { RunShards, ScheduleTicks } from '@kpress/producer';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CpuPool } from './cpu-pool.js';
import { drainWorker } from './drain-worker.js';
import type { HealthServer } from './health-server.js';
import type { ImageWorker } from './image-worker.js';
import { settleWithin } from './settle-within.js';

/** What a worker process has opened so far; start-up fills it in step by step. */
export interface WorkerResources {
  health: HealthServer | null;
  store: ObjectStore | null;
  /** Every Redis connection of the process; disconnected last but one. */
  readonly connections: Redis[];
  pool: CpuPool | null;
  /** The image queues of every shard. */
  shards: RunShards | null;
  imageWorker: ImageWorker | null;
  scheduleWorker: ScheduleTicks | null;
}

export function noWorkerResources(): WorkerResources {
  return { health: null, store: null, connections: [], pool: null, shards: null, imageWorker: null, scheduleWorker: null };
}

/**
 * Each close step after the drain gets this long. With the drain deadline D, closing ends within
 * D + 3 × CLOSE_STEP_MS (queue, compress processes, health server), inside the D + 10 s promised.
 */
export const CLOSE_STEP_MS = 2_000;

export interface CloseResult {
  /** False when jobs were abandoned at the drain deadline. */
  readonly drained: boolean;
  /**
   * False when something did not close in time: BullMQ may still hold connections (and an
   * abandoned job), so the process must exit rather than wait for its event loop to empty.
   */
  readonly closed: boolean;
}

/**
 * Closes what `resources` holds, in an order that loses nothing: stop taking jobs and let
 * in-flight ones finish (both workers, at most `drainMs`), close the queue, disconnect Redis and
 * S3, stop the compress processes, close the health server. Every step is bounded, whatever Redis
 * and S3 are doing. When a BullMQ worker has not closed by the deadline, nothing more is closed
 * under it (see drainWorker): the caller ends the process.
 */
export async function closeWorkerResources(
  resources: WorkerResources,
  options: { readonly drainMs: number; readonly logger: Logger },
): Promise<CloseResult> {
  const { logger, drainMs } = options;
  const { imageWorker, scheduleWorker } = resources;
  const idle = { drained: true, closed: true };
  const drains = await Promise.all([
    imageWorker?.shutdown(drainMs) ?? idle,
    scheduleWorker
      ? drainWorker(scheduleWorker.worker, {
          deadlineMs: drainMs,
          inFlight: scheduleWorker.inFlight,
          logger,
          name: 'schedule worker',
        })
      : idle,
  ]);
  const drained = drains.every((d) => d.drained);
  if (!drains.every((d) => d.closed)) return { drained, closed: false };
  // The queues share a Redis connection: close them first. With Redis down they would wait for a
  // reconnect that may never come.
  let closed = resources.shards ? await bounded('image queues', resources.shards.close(), logger) : true;
  for (const connection of resources.connections) connection.disconnect();
  resources.store?.destroy();
  if (resources.pool) closed = (await bounded('compress processes', resources.pool.close(), logger)) && closed;
  if (resources.health) await resources.health.close(CLOSE_STEP_MS);
  return { drained, closed };
}

/** Whether `closing` settled within CLOSE_STEP_MS. */
async function bounded(what: string, closing: Promise<unknown>, logger: Logger): Promise<boolean> {
  const result = await settleWithin(closing, CLOSE_STEP_MS);
  if (result.outcome === 'timed-out') logger.warn({ ms: CLOSE_STEP_MS }, `${what} did not close in time: moving on`);
  if (result.outcome === 'rejected') logger.warn({ err: result.error }, `${what} failed to close`);
  return result.outcome === 'fulfilled';
}
