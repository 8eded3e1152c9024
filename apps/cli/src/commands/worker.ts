import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { SCHEDULE_QUEUE } from '@kpress/job-contract';
import { createRunShards, createScheduleTickProcessor } from '@kpress/producer';
import {
  COMPRESS_THREAD_NICE_INCREMENT,
  countInFlight,
  createCpuPool,
  createShardedImageWorker,
  createWorkerHealth,
  createWorkerMetrics,
  DEFAULT_JOB_TIMEOUT_MS,
  defaultMemoryBudget,
  listenForStopSignals,
  parseByteSize,
  type HealthChecks,
  type HealthServer,
  PortUnavailableError,
  type RunningWorker,
  startHealthServer,
  type StopSignals,
  type WorkerMetrics,
} from '@kpress/worker';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { connectRedis, createObjectStore } from '../clients.js';
import type { Config } from '../config.js';
import { integerFlag } from '../integer-flag.js';
import { replicaConfirmer } from '../replica-confirm.js';
import { completeRun } from '../run-completion.js';
import { resultPageStore } from '@kpress/reports';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';
import { closeWorkerResources, noWorkerResources, type WorkerResources } from './worker-resources.js';

export const WORKER_HELP = `Usage: kpress worker [--concurrency N] [--port P] [--drain-timeout S] [--lock-duration MS]
                    [--compress-nice N] [--job-timeout S] [--memory-budget BYTES]

Processes image jobs until SIGTERM or SIGINT, then stops taking jobs, lets in-flight ones finish
(up to --drain-timeout seconds; later ones are handed back to other workers) and exits: 0 when
every in-flight job finished, 1 when some were handed back. The process ends within
--drain-timeout + 10 seconds of the signal, even with Redis or S3 unreachable.

Start-up order: signal handlers first (a signal during start-up stops it cleanly, exit 0), then
the health server on --port (a port in use: exit 2 before anything else is opened), then Redis,
the compress processes, and only then are jobs taken.

Options:
  --concurrency N     images processed at once, one compress process each (default: the cores)
  --port P            serve /healthz, /readyz and /metrics on port P of every interface
                      (default: none); /readyz answers 503 until jobs are taken and while stopping
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

/** After the command returns, handles a library failed to release may not hold the process longer. */
const EXIT_GRACE_MS = 2_000;

interface WorkerFlags {
  readonly concurrency: number;
  readonly port: number | null;
  readonly drainSeconds: number;
  readonly lockDurationMs: number;
  readonly niceIncrement: number;
  readonly jobTimeoutMs: number;
  readonly memoryBudgetBytes: number;
}

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
  const flags: WorkerFlags = {
    concurrency: integerFlag('concurrency', values.concurrency, availableParallelism(), { min: 1, max: 256 }),
    port: values.port === undefined ? null : integerFlag('port', values.port, 0, { min: 0, max: 65535 }),
    drainSeconds: integerFlag('drain-timeout', values['drain-timeout'], 60, { min: 0, max: 86_400 }),
    lockDurationMs: integerFlag('lock-duration', values['lock-duration'], 60_000, { min: 500, max: 3_600_000 }),
    niceIncrement: integerFlag('compress-nice', values['compress-nice'], COMPRESS_THREAD_NICE_INCREMENT, { min: 0, max: 19 }),
    jobTimeoutMs:
      integerFlag('job-timeout', values['job-timeout'], DEFAULT_JOB_TIMEOUT_MS / 1000, { min: 1, max: 86_400 }) * 1000,
    memoryBudgetBytes: memoryBudgetFlag(values['memory-budget']),
  };
  const logger = context.logger.child({ role: 'worker' });
  // First of all: a SIGTERM from here on stops the worker in order, never half-started.
  const signals = listenForStopSignals(logger);
  logger.debug({ port: flags.port }, 'starting');
  try {
    return await startAndServe(flags, context.config, logger, signals);
  } finally {
    signals.dispose();
    // Everything closed in time, but a library may still leave a socket or timer behind: it must
    // not keep the process past its deadline. Unref'd: a process with nothing left open exits at
    // once, with main's exit code.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}

/**
 * Health server, Redis, compress threads, then the BullMQ workers, checking for a stop signal
 * between steps; then serves until a signal and closes everything within the drain deadline.
 */
async function startAndServe(flags: WorkerFlags, config: Config, logger: Logger, signals: StopSignals): Promise<number> {
  const resources = noWorkerResources();
  const stop = async (drainMs: number): Promise<number> => {
    const { drained, closed } = await closeWorkerResources(resources, { drainMs, logger });
    const code = drained ? 0 : 1;
    logger.info({ drained, closed }, 'worker stopped');
    // Not closed: a BullMQ worker still holds Redis connections, and maybe an abandoned job whose
    // lock it keeps renewing. Ending the process is what hands the job back, now (logs are
    // written synchronously, so nothing is lost).
    if (!closed) process.exit(code);
    return code;
  };
  const metrics = createWorkerMetrics();
  const health = createWorkerHealth(metrics);
  try {
    if (flags.port !== null) resources.health = await listenForProbes(flags.port, health, logger);
    if (signals.received) return await stop(0);
    await openClients(flags, config, logger, resources);
    if (signals.received) return await stop(0);
    health.running(startWorkers(flags, config, logger, resources, metrics));
  } catch (error) {
    // Nothing takes jobs yet (creating the workers is the last step, and does not throw).
    await closeWorkerResources(resources, { drainMs: 0, logger });
    throw error;
  }
  logger.info(
    { concurrency: flags.concurrency, port: resources.health?.port ?? null, prefixes: config.prefixes },
    'worker started',
  );
  await signals.next;
  health.stopping();
  return stop(flags.drainSeconds * 1000);
}

async function listenForProbes(port: number, health: HealthChecks, logger: Logger): Promise<HealthServer> {
  try {
    return await startHealthServer(port, health, logger);
  } catch (error) {
    if (error instanceof PortUnavailableError) throw new UsageError(`--port ${port} ${error.problem}`);
    throw error;
  }
}

/** S3, the Redis connections and warm compress processes, each recorded as soon as it exists. */
async function openClients(flags: WorkerFlags, config: Config, logger: Logger, resources: WorkerResources): Promise<void> {
  resources.store = createObjectStore(config);
  // One for BullMQ's blocking commands, one for runs and the queue, one for schedule ticks.
  for (let i = 0; i < 3; i++) resources.connections.push(await connectRedis(config, 'worker', logger));
  // Jobs are taken only once the compress processes are warm: a worker an autoscaler just started
  // processes its first image at full speed instead of holding it in unoptimised code.
  resources.pool = createPool(flags.concurrency, {
    niceIncrement: flags.niceIncrement,
    jobTimeoutMs: flags.jobTimeoutMs,
    memoryBudgetBytes: flags.memoryBudgetBytes,
  });
  const warmUpStarted = performance.now();
  await resources.pool.ready;
  logger.debug({ ms: Math.round(performance.now() - warmUpStarted) }, 'compress processes warm');
}

/** The image worker and the schedule worker: from here on jobs are taken. */
function startWorkers(
  flags: WorkerFlags,
  config: Config,
  logger: Logger,
  resources: WorkerResources,
  metrics: WorkerMetrics,
): RunningWorker {
  const [blocking, redis, scheduleConnection] = resources.connections;
  const { store, pool } = resources;
  if (!blocking || !redis || !scheduleConnection || !store || !pool) throw new Error('worker clients are not open');
  // Every shard of KPRESS_PREFIX: a run's jobs are in its shard's queue, its record beside them.
  const shards = createRunShards(redis, config.prefixes);
  resources.shards = shards;
  const runs = shards.runs;
  const onRunComplete = (runId: string): Promise<void> => completeRun({ runs, store, logger }, runId);
  const queue = shards.home.queue;
  const imageWorker = createShardedImageWorker({
    connection: blocking,
    shards: shards.all,
    concurrency: flags.concurrency,
    lockDurationMs: flags.lockDurationMs,
    stalledIntervalMs: Math.min(30_000, flags.lockDurationMs),
    store,
    failureMemory: shards.failureMemory,
    pool,
    logger,
    metrics,
    maxPixels: config.maxPixels,
    maxInputBytes: config.maxInputBytes,
    allowedBuckets: config.allowedBuckets,
    onRunComplete,
    resultPages: (run) => resultPageStore(store, run.destination, run.runId),
  });
  resources.imageWorker = imageWorker;
  // Schedule ticks: one at a time per worker process; each starts an incremental run.
  const tick = countInFlight(
    createScheduleTickProcessor({
      redis,
      prefix: config.prefix,
      store,
      shards,
      confirmWrites: replicaConfirmer(redis, logger),
      logger,
      maxInputBytes: config.maxInputBytes,
      allowedBuckets: config.allowedBuckets,
      onRunComplete,
    }),
  );
  const scheduleWorker = new Worker(SCHEDULE_QUEUE, tick.run, {
    connection: scheduleConnection,
    prefix: config.prefix,
    concurrency: 1,
  });
  scheduleWorker.on('error', (error) => logger.error({ err: error }, 'schedule worker error'));
  resources.scheduleWorker = { worker: scheduleWorker, inFlight: tick.inFlight };
  return { redis, queue, store, imageWorker };
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
