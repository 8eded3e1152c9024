import type { ObjectStore } from '@kpress/object-store';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HealthChecks } from './health-server.js';
import type { ImageWorker } from './image-worker.js';
import { settleWithin } from './settle-within.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** What the checks look at once the worker takes jobs. */
export interface RunningWorker {
  readonly redis: Redis;
  readonly queue: Queue;
  readonly store: ObjectStore;
  readonly imageWorker: ImageWorker;
}

/** The worker's health checks, which follow it from start-up to shutdown. */
export interface WorkerHealth extends HealthChecks {
  /** The worker takes jobs: readiness and queue metrics look at it from now on. */
  running(worker: RunningWorker): void;
  /** Shutdown began: not ready any more (no new jobs are taken), still alive while it drains. */
  stopping(): void;
}

/** Idle longer than this, a worker proves it is alive by a Redis PING. */
const IDLE_SECONDS_BEFORE_PING = 300;
/** Probes answer fast: a ping that waits for a reconnect would hang the probe. */
const PING_TIMEOUT_MS = 1_000;

/**
 * Health checks for a server started before the worker (so a taken port stops start-up before
 * any job is taken): alive while starting (start-up is bounded: it fails or finishes), ready only
 * while jobs are taken and Redis and S3 answer.
 */
export function createWorkerHealth(metrics: WorkerMetrics): WorkerHealth {
  let phase: 'starting' | 'stopping' | { readonly worker: RunningWorker } = 'starting';
  return {
    running: (worker) => void (phase = { worker }),
    stopping: () => void (phase = 'stopping'),
    async healthy() {
      if (typeof phase === 'string') return true;
      const { redis, imageWorker } = phase.worker;
      return redis.status === 'ready' && (imageWorker.idleSeconds() < IDLE_SECONDS_BEFORE_PING || (await pingWithin(redis)));
    },
    async ready() {
      if (typeof phase === 'string') return false;
      const { redis, store } = phase.worker;
      return redis.status === 'ready' && (await pingWithin(redis)) && (await store.reachable());
    },
    async metrics() {
      const current = phase;
      metrics.setQueueDepth(
        typeof current === 'string'
          ? null
          : () => current.worker.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'),
      );
      return metrics.render();
    },
  };
}

async function pingWithin(redis: Redis): Promise<boolean> {
  const reply = await settleWithin(redis.ping(), PING_TIMEOUT_MS);
  return reply.outcome === 'fulfilled' && reply.value === 'PONG';
}
