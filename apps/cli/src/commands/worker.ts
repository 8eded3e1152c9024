import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { IMAGE_QUEUE, SCHEDULE_QUEUE } from '@kpress/job-contract';
import { createScheduleTickProcessor } from '@kpress/producer';
import { createFailureMemory, createRunStore } from '@kpress/runs';
import {
  COMPRESS_THREAD_NICE_INCREMENT,
  createCpuPool,
  createImageWorker,
  createWorkerMetrics,
  DEFAULT_JOB_TIMEOUT_MS,
  defaultMemoryBudget,
  parseByteSize,
  startHealthServer,
} from '@kpress/worker';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, createObjectStore } from '../clients.js';
import { completeRun } from '../run-completion.js';
import { integerFlag } from '../integer-flag.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const WORKER_HELP = `Usage: kpress worker [--concurrency N] [--port P] [--drain-timeout S] [--lock-duration MS]
                    [--compress-nice N] [--job-timeout S] [--memory-budget BYTES]

Processes image jobs until SIGTERM or SIGINT, then stops taking jobs, lets in-flight ones finish
(up to --drain-timeout seconds; later ones are handed back to other workers) and exits 0.

Options:
  --concurrency N     images processed at once, one compress process each (default: the cores available)
  --port P            serve /healthz, /readyz and /metrics on port P (default: none)
  --drain-timeout S   seconds to finish in-flight jobs on shutdown (default 60)
  --lock-duration MS  job lock, renewed every half of it; a worker that cannot renew (dead, or its
                      event loop blocked) loses the job to another (default 60000)
  --compress-nice N   on Linux, run the compress processes N nice levels below the event loop, so
                      lock renewals and I/O never queue behind a quantizer; 0 keeps one priority
                      (default 10; with other busy processes on the same cores and no container
                      CPU limits, they get more of the CPU than kpress)
  --job-timeout S     seconds one image may take to decode, quantize and encode; past it its
                      process is killed and the image fails for good with code "timeout"
                      (default 300: a 100 MP photo takes about 10 s on one core)
  --memory-budget B   bytes the worker may use, e.g. 3435973836, 3276Mi or 3Gi; an image starts
                      only when its estimated peak (from its header) fits beside those in flight,
                      and one that can never fit fails with "too-many-pixels" (default 0.8 × the
                      container's memory limit, else half the machine's memory)`;

export async function runWorker(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      concurrency: { type: 'string' },
      port: { type: 'string' },
      'drain-timeout': { type: 'string' },
      'lock-duration': { type: 'string' },
      'compress-nice': { type: 'string' },
      'job-timeout': { type: 'string' },
      'memory-budget': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  const concurrency = integerFlag('concurrency', values.concurrency, availableParallelism(), { min: 1, max: 256 });
  const port = values.port === undefined ? null : integerFlag('port', values.port, 0, { min: 0, max: 65535 });
  const drainSeconds = integerFlag('drain-timeout', values['drain-timeout'], 60, { min: 0, max: 86_400 });
  const lockDurationMs = integerFlag('lock-duration', values['lock-duration'], 60_000, { min: 500, max: 3_600_000 });
  const niceIncrement = integerFlag('compress-nice', values['compress-nice'], COMPRESS_THREAD_NICE_INCREMENT, {
    min: 0,
    max: 19,
  });
  const jobTimeoutMs =
    integerFlag('job-timeout', values['job-timeout'], DEFAULT_JOB_TIMEOUT_MS / 1000, { min: 1, max: 86_400 }) * 1000;
  const memoryBudgetBytes = memoryBudgetFlag(values['memory-budget']);
  const { config } = context;
  const logger = context.logger.child({ role: 'worker' });

  const store = createObjectStore(config);
  const blocking = await connectRedis(config, 'worker', logger);
  const redis = await connectRedis(config, 'worker', logger);
  const runs = createRunStore(redis, config.prefix);
  // Jobs are taken only once the compress threads are warm: a worker an autoscaler just started
  // processes its first image at full speed instead of holding it in unoptimised code.
  const pool = createPool(concurrency, { niceIncrement, jobTimeoutMs, memoryBudgetBytes });
  const warmUpStarted = performance.now();
  try {
    await pool.ready;
  } catch (error) {
    await pool.close();
    blocking.disconnect();
    redis.disconnect();
    store.destroy();
    throw error;
  }
  logger.debug({ ms: Math.round(performance.now() - warmUpStarted) }, 'compress threads warm');
  const metrics = createWorkerMetrics();
  const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix: config.prefix });
  const imageWorker = createImageWorker({
    connection: blocking,
    prefix: config.prefix,
    concurrency,
    lockDurationMs,
    stalledIntervalMs: Math.min(30_000, lockDurationMs),
    store,
    runs,
    failureMemory: createFailureMemory(redis, config.prefix),
    pool,
    logger,
    metrics,
    maxPixels: config.maxPixels,
    maxInputBytes: config.maxInputBytes,
    allowedBuckets: config.allowedBuckets,
    onRunComplete: (runId) => completeRun({ runs, store, logger }, runId),
  });

  // Schedule ticks: one at a time per worker process; each starts an incremental run.
  const scheduleConnection = await connectRedis(config, 'worker', logger);
  const scheduleWorker = new Worker(
    SCHEDULE_QUEUE,
    createScheduleTickProcessor({
      redis,
      prefix: config.prefix,
      store,
      runs,
      imageQueue: queue,
      logger,
      maxInputBytes: config.maxInputBytes,
      allowedBuckets: config.allowedBuckets,
      onRunComplete: (runId) => completeRun({ runs, store, logger }, runId),
    }),
    { connection: scheduleConnection, prefix: config.prefix, concurrency: 1 },
  );
  scheduleWorker.on('error', (error) => logger.error({ err: error }, 'schedule worker error'));

  const health =
    port === null
      ? null
      : await startHealthServer(
          port,
          {
            // Probes must answer fast: a ping that waits for a reconnect would hang the probe.
            healthy: async () =>
              redis.status === 'ready' && (imageWorker.idleSeconds() < 300 || (await pingWithin(redis, 1_000))),
            ready: async () => redis.status === 'ready' && (await pingWithin(redis, 1_000)) && (await store.reachable()),
            metrics: async () => {
              const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
              const depth = Object.entries(counts)
                .map(([state, n]) => `kpress_queue_jobs{state="${state}"} ${n}`)
                .join('\n');
              return metrics.render(
                `# HELP kpress_queue_jobs Jobs in the image queue by state.\n# TYPE kpress_queue_jobs gauge\n${depth}\n`,
              );
            },
          },
          logger,
        );
  logger.info({ concurrency, port: health?.port ?? null, prefix: config.prefix }, 'worker started');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'signal received');
  const [{ drained }] = await Promise.all([imageWorker.shutdown(drainSeconds * 1000), scheduleWorker.close()]);
  await pool.close();
  health?.server.close();
  // With Redis down, closing a queue waits for a reconnect that may never come: bound it.
  await settleWithin(queue.close(), 5_000);
  blocking.disconnect();
  scheduleConnection.disconnect();
  redis.disconnect();
  store.destroy();
  logger.info({ drained }, 'worker stopped');
  return 0;
}

function memoryBudgetFlag(raw: string | undefined): number {
  if (raw === undefined) return defaultMemoryBudget();
  const bytes = parseByteSize(raw);
  if (bytes === null) {
    throw new UsageError(`--memory-budget must be a number of bytes, or of Mi or Gi (e.g. 3Gi), received ${JSON.stringify(raw)}`);
  }
  return bytes;
}

/** The pool, or a usage error when the budget cannot hold even the processes' base. */
function createPool(concurrency: number, options: Parameters<typeof createCpuPool>[1]): ReturnType<typeof createCpuPool> {
  try {
    return createCpuPool(concurrency, options);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--memory-budget: ${error.message}`);
    throw error;
  }
}

async function pingWithin(redis: Redis, ms: number): Promise<boolean> {
  return (await settleWithin(redis.ping(), ms)) === 'PONG';
}

/** The promise's value, or undefined if it rejects or takes longer than `ms`. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
