import { type FailureCode, IMAGE_QUEUE, type ImageJob, KEEP_COMPLETED, KEEP_FAILED, parseImageJob } from '@kpress/job-contract';
import { completeRun } from '@kpress/reports';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { countInFlight, type DrainResult, drainWorker } from './drain-worker.js';
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
  /** Called when a job starts and when it ends (workers of several shards share their concurrency). */
  readonly onJobsChanged?: () => void;
}

export interface ImageWorker {
  readonly worker: Worker<unknown, ImageJobResult>;
  /** Seconds since a job last started or finished, or since the worker started. */
  idleSeconds(): number;
  /** Jobs being processed now. */
  inFlight(): number;
  /**
   * Stops taking jobs and lets in-flight jobs finish; returns within `deadlineMs` whatever Redis
   * does. Jobs still running at the deadline are abandoned (`drained: false`): once the process
   * exits, their locks lapse and another worker takes them over (see drainWorker).
   */
  shutdown(deadlineMs: number): Promise<DrainResult>;
}

export function createImageWorker(options: ImageWorkerOptions): ImageWorker {
  const logger: Logger = options.logger;
  const processor = createImageJobProcessor(options);
  let lastActivity = Date.now();
  const counted = countInFlight(async (job: Job): Promise<ImageJobResult> => {
    lastActivity = Date.now();
    try {
      return await processor(job);
    } finally {
      lastActivity = Date.now();
    }
  });
  const run = async (job: Job): Promise<ImageJobResult> => {
    const running = counted.run(job);
    options.onJobsChanged?.();
    try {
      return await running;
    } finally {
      options.onJobsChanged?.();
    }
  };
  const worker = new Worker<unknown, ImageJobResult>(IMAGE_QUEUE, run, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: 2,
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
    autorun: true,
  });
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled: its lock lapsed, it will be retried'));
  // A job that stalled more than maxStalledCount times (its worker died each time: killed, out of
  // memory…) is failed by BullMQ when a worker next fetches it, without calling the processor: it
  // must be counted here, or its run never completes.
  worker.on('failed', (job, error) => {
    if (job === undefined || !job.deferredFailure) return;
    void recordStalledOut(job, error.message).catch((cause: unknown) =>
      logger.error({ err: cause, jobId: job.id }, 'could not record a stalled-out job in its run'),
    );
  });

  async function recordStalledOut(job: Job, message: string): Promise<void> {
    let data: ImageJob;
    try {
      data = parseImageJob(job.data);
    } catch {
      return; // invalid job data never belongs to a run
    }
    const reason = `its worker stopped while processing it ${job.stalledCounter} times (killed, out of memory, or blocked past its lock); not retried again (${message})`;
    logger.warn({ runId: data.runId, jobId: job.id, key: data.source.key, reason }, 'image failed');
    options.metrics.failed.inc();
    const finish = await options.runs.finishJob(
      data.runId,
      job.id ?? 'unknown',
      {
        status: 'failed',
        failure: { key: `s3://${data.source.bucket}/${data.source.key}`, code: 'worker-lost' satisfies FailureCode, reason },
      },
      data.ordinal,
    );
    if (finish.completedRun) await completeRun(options, data.runId);
  }

  return {
    worker,
    idleSeconds: () => (Date.now() - lastActivity) / 1000,
    inFlight: counted.inFlight,
    async shutdown(deadlineMs) {
      logger.info({ deadlineMs }, 'shutting down: no new jobs, finishing in-flight ones');
      return drainWorker(worker, { deadlineMs, inFlight: counted.inFlight, logger, name: 'image worker' });
    },
  };
}
