import type { ObjectStore } from '@kpress/object-store';
import { createRunShards, startScheduleTicks } from '@kpress/producer';
import { resultPageStore } from '@kpress/reports';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createCpuPool, type CpuPool } from './cpu-pool.js';
import { type HealthChecks, type HealthServer, PortUnavailableError, startHealthServer } from './health-server.js';
import { createShardedImageWorker } from './sharded-image-worker.js';
import { listenForStopSignals, type StopSignals } from './stop-signals.js';
import { createWorkerHealth, type RunningWorker } from './worker-health-checks.js';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';
import { closeWorkerResources, noWorkerResources, type WorkerResources } from './worker-resources.js';

/** How a worker process runs, from `kpress worker`'s flags and the environment. */
export interface WorkerSettings {
  /** Images processed at once, one compress process each. */
  readonly concurrency: number;
  /** Port of /healthz, /readyz and /metrics; null: none. */
  readonly port: number | null;
  /** How long in-flight jobs may take to finish once a stop signal came. */
  readonly drainMs: number;
  /** Job lock, renewed every half of it. */
  readonly lockDurationMs: number;
  /** Nice levels the compress processes run below the event loop (Linux). */
  readonly niceIncrement: number;
  /** How long one image may take in its compress process. */
  readonly jobTimeoutMs: number;
  /** Bytes the worker may use; images start only when their estimated peak fits. */
  readonly memoryBudgetBytes: number;
  /** KPRESS_PREFIX, one prefix per shard; the first is home (schedules, remembered failures). */
  readonly prefixes: readonly string[];
  readonly maxPixels: number;
  readonly maxInputBytes: number;
  /** KPRESS_ALLOWED_BUCKETS; null: any. */
  readonly allowedBuckets: ReadonlySet<string> | null;
}

/** How the worker opens its clients (the CLI builds them from the environment). */
export interface WorkerClients {
  /** A connected Redis client that waits out outages (maxRetriesPerRequest null), logging to `logger`. */
  connectRedis(logger: Logger): Promise<Redis>;
  createObjectStore(): ObjectStore;
}

/** A setting the worker cannot start with; `setting` names which, for the caller to name its flag. */
export class WorkerSettingError extends Error {
  override readonly name = 'WorkerSettingError';
  constructor(
    readonly setting: 'port' | 'memoryBudgetBytes',
    /** What is wrong, without the setting's name. */
    readonly problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}

/**
 * The worker process, from its first line to its exit code. Start-up order: stop-signal handlers
 * first (a signal during start-up stops it cleanly, exit 0), then the health server (a port it
 * cannot listen on throws WorkerSettingError before anything else is opened), then S3, Redis and
 * the compress processes, warm, and only then are image jobs and schedule ticks taken. Serves
 * until SIGTERM or SIGINT, then stops in the order closeWorkerResources gives, within
 * `drainMs` + 10 s. Returns 0 when every in-flight job finished, 1 when some were handed back.
 *
 * `signals`: a caller that listens already (a test) passes its own; by default they are listened
 * for here, and released on return.
 */
export async function runWorker(
  settings: WorkerSettings,
  clients: WorkerClients,
  parentLogger: Logger,
  signals?: StopSignals,
): Promise<number> {
  const logger = parentLogger.child({ role: 'worker' });
  // First of all: a SIGTERM from here on stops the worker in order, never half-started.
  const stopSignals = signals ?? listenForStopSignals(logger);
  logger.debug({ port: settings.port }, 'starting');
  try {
    return await startAndServe(settings, clients, logger, stopSignals);
  } finally {
    if (signals === undefined) stopSignals.dispose();
    // A socket or timer a library leaves behind cannot keep the process past its deadline: the
    // kpress entry point (apps/cli/src/main.ts) exits shortly after any command returns.
  }
}

/**
 * Health server, Redis, compress processes, then the BullMQ workers, checking for a stop signal
 * between steps; then serves until a signal and closes everything within the drain deadline.
 */
async function startAndServe(
  settings: WorkerSettings,
  clients: WorkerClients,
  logger: Logger,
  signals: StopSignals,
): Promise<number> {
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
    if (settings.port !== null) resources.health = await listenForProbes(settings.port, health, logger);
    if (signals.received) return await stop(0);
    await openClients(settings, clients, logger, resources);
    if (signals.received) return await stop(0);
    health.running(startWorkers(settings, logger, resources, metrics));
  } catch (error) {
    // Nothing takes jobs yet (creating the workers is the last step, and does not throw).
    await closeWorkerResources(resources, { drainMs: 0, logger });
    throw error;
  }
  logger.info(
    { concurrency: settings.concurrency, port: resources.health?.port ?? null, prefixes: settings.prefixes },
    'worker started',
  );
  await signals.next;
  health.stopping();
  return stop(settings.drainMs);
}

async function listenForProbes(port: number, health: HealthChecks, logger: Logger): Promise<HealthServer> {
  try {
    return await startHealthServer(port, health, logger);
  } catch (error) {
    if (error instanceof PortUnavailableError) throw new WorkerSettingError('port', error.problem);
    throw error;
  }
}

/** S3, the Redis connections and warm compress processes, each recorded as soon as it exists. */
async function openClients(
  settings: WorkerSettings,
  clients: WorkerClients,
  logger: Logger,
  resources: WorkerResources,
): Promise<void> {
  resources.store = clients.createObjectStore();
  // One for BullMQ's blocking commands, one for runs and the queue, one for schedule ticks.
  for (let i = 0; i < 3; i++) resources.connections.push(await clients.connectRedis(logger));
  // Jobs are taken only once the compress processes are warm: a worker an autoscaler just started
  // processes its first image at full speed instead of holding it in unoptimised code.
  resources.pool = createPool(settings);
  const warmUpStarted = performance.now();
  await resources.pool.ready;
  logger.debug({ ms: Math.round(performance.now() - warmUpStarted) }, 'compress processes warm');
}

/** The pool, or a WorkerSettingError when the budget cannot hold even the processes' base. */
function createPool(settings: WorkerSettings): CpuPool {
  try {
    return createCpuPool(settings.concurrency, {
      niceIncrement: settings.niceIncrement,
      jobTimeoutMs: settings.jobTimeoutMs,
      memoryBudgetBytes: settings.memoryBudgetBytes,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new WorkerSettingError('memoryBudgetBytes', error.message);
    throw error;
  }
}

/** The image worker and the schedule worker: from here on jobs are taken. */
function startWorkers(
  settings: WorkerSettings,
  logger: Logger,
  resources: WorkerResources,
  metrics: WorkerMetrics,
): RunningWorker {
  const [blocking, redis, scheduleConnection] = resources.connections;
  const { store, pool } = resources;
  if (!blocking || !redis || !scheduleConnection || !store || !pool) throw new Error('worker clients are not open');
  // Every shard of KPRESS_PREFIX: a run's jobs are in its shard's queue, its record beside them.
  const shards = createRunShards(redis, settings.prefixes);
  resources.shards = shards;
  const imageWorker = createShardedImageWorker({
    connection: blocking,
    shards: shards.all,
    concurrency: settings.concurrency,
    lockDurationMs: settings.lockDurationMs,
    stalledIntervalMs: Math.min(30_000, settings.lockDurationMs),
    store,
    failureMemory: shards.failureMemory,
    pool,
    logger,
    metrics,
    maxPixels: settings.maxPixels,
    maxInputBytes: settings.maxInputBytes,
    allowedBuckets: settings.allowedBuckets,
    resultPages: (run) => resultPageStore(store, run.destination, run.runId),
  });
  resources.imageWorker = imageWorker;
  // Schedule ticks: one at a time per worker process, on the home prefix; each starts an
  // incremental run, placed on a shard by the hash of its id.
  resources.scheduleWorker = startScheduleTicks({
    connection: scheduleConnection,
    redis,
    prefix: shards.home.prefix,
    store,
    shards,
    logger,
    maxInputBytes: settings.maxInputBytes,
    allowedBuckets: settings.allowedBuckets,
  });
  return { redis, queue: shards.home.queue, store, imageWorker };
}
