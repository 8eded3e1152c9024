import { IMAGE_QUEUE, KEEP_COMPLETED, KEEP_FAILED } from '@kpress/job-contract';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createImageJobProcessor, type ImageJobResult, type ProcessorDeps } from './process-image-job.js';

export interface ImageWorkerOptions extends ProcessorDeps {
  /** A connection for BullMQ's blocking commands (maxRetriesPerRequest: null). */
  readonly connection: Redis;
  readonly prefix: string;
  /** Jobs processed at once; each takes one compress thread. */
  readonly concurrency: number;
  /** Lock on a job while it runs, renewed every half; other workers take it over if it lapses. Default 60 s. */
  readonly lockDurationMs?: number;
  /** How often stalled (lock-lost) jobs are looked for. Default 30 s. */
  readonly stalledIntervalMs?: number;
}

export interface ImageWorker {
  readonly worker: Worker<unknown, ImageJobResult>;
  /** Seconds since a job last started or finished, or since the worker started. */
  idleSeconds(): number;
  /**
   * Stops taking jobs, lets in-flight jobs finish for up to `deadlineMs`, then closes. Jobs still
   * running at the deadline are abandoned: their locks lapse and another worker takes them over.
   */
  shutdown(deadlineMs: number): Promise<{ drained: boolean }>;
}

export function createImageWorker(options: ImageWorkerOptions): ImageWorker {
  const logger: Logger = options.logger;
  const processor = createImageJobProcessor(options);
  let lastActivity = Date.now();
  const worker = new Worker<unknown, ImageJobResult>(
    IMAGE_QUEUE,
    async (job) => {
      lastActivity = Date.now();
      try {
        return await processor(job);
      } finally {
        lastActivity = Date.now();
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 60_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
      autorun: true,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled: its lock lapsed, it will be retried'));

  return {
    worker,
    idleSeconds: () => (Date.now() - lastActivity) / 1000,
    async shutdown(deadlineMs) {
      logger.info({ deadlineMs }, 'shutting down: no new jobs, finishing in-flight ones');
      const closing = worker.close();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
      const outcome = await Promise.race([closing.then(() => 'closed' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        logger.warn('deadline reached with jobs in flight: abandoning them to other workers');
        await worker.close(true);
        return { drained: false };
      }
      return { drained: true };
    },
  };
}
