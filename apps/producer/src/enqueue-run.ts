import type { CompressParams } from '@kpress/job-contract';
import { pairLabel, runRefusal, type S3Location } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import { completeRun } from '@kpress/reports';
import { type FailureMemory, HEARTBEAT_INTERVAL_MS, RunConflictError, RunExistsError, type RunStore } from '@kpress/runs';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { candidateFor } from './enqueue-candidates.js';
import {
  applyCollisions,
  checkExistingOutputs,
  claimOutputs,
  type Decision,
  firstDecisions,
  recallFailures,
  type Sink,
} from './enqueue-checks.js';
import { createDryRunSink, createRunSink } from './enqueue-sinks.js';
import type { SourceObject } from './source-objects.js';
import { pause } from './pause.js';

export interface EnqueueRequest {
  readonly runId: string;
  readonly objects: AsyncIterable<SourceObject>;
  /** Human form of the source, for the run record (s3://… or manifest path). */
  readonly sourceLabel: string;
  /** The listed prefix, checked against the destination; null for a manifest or a retry list. */
  readonly sourcePrefix: S3Location | null;
  /**
   * The prefix output keys are relative to, when not sourcePrefix (a retry keeps its first run's);
   * null: whole source keys. Recorded in the run, where workers check each job against it.
   */
  readonly relativeTo?: S3Location | null;
  /** True when the same object may come twice (a manifest): each is then counted once. */
  readonly mayRepeat: boolean;
  readonly destination: S3Location;
  readonly params: CompressParams;
  /**
   * Re-do objects whose output already exists for the same version and parameters, and queue
   * even while another run of the same source → destination is listing or running.
   */
  readonly force: boolean;
  /** Queue sources that failed permanently before with the same version and parameters. */
  readonly retryFailed: boolean;
  /** List and check only: nothing is queued or recorded. */
  readonly dryRun: boolean;
  /** "enqueue", "retry:RUN_ID" or "schedule:NAME". */
  readonly origin: string;
  /** Objects larger than this are not images kpress will read; they count as failed at once. */
  readonly maxInputBytes: number;
  /** Source buckets jobs may read (KPRESS_ALLOWED_BUCKETS); objects elsewhere fail. Default: any. */
  readonly allowedBuckets?: ReadonlySet<string> | null;
  /**
   * Back-pressure: the listing pauses while this many jobs of the run wait in the queue, and goes
   * on as workers drain them. Default DEFAULT_MAX_QUEUED.
   */
  readonly maxQueued?: number;
  /** Objects examined per batch (each batch is one addBulk and one commit). Default BATCH_SIZE. */
  readonly batchSize?: number;
  /**
   * The run exists and `takeOverListing` handed its listing to this producer: `objects` lists
   * from its checkpoint, and the run is not created again.
   */
  readonly resumed?: boolean;
}

export interface EnqueueProgress {
  listed: number;
  queued: number;
  skipped: number;
  skippedFailed: number;
  duplicates: number;
  notImages: number;
  failed: number;
  /** True when the run was cancelled while listing: the listing stopped there. */
  cancelled: boolean;
}

export type DryRunAction = 'queue' | 'skip' | 'fail';

export interface EnqueueDeps {
  readonly store: ObjectStore;
  readonly runs: RunStore;
  readonly failureMemory: FailureMemory;
  readonly queue: Queue;
  readonly logger: Logger;
  /** Called once the run is recorded, before listing starts (not in a dry run). */
  readonly onRunCreated?: (runId: string) => void;
  /** Called with running counts after each batch. */
  readonly onProgress?: (progress: Readonly<EnqueueProgress>) => void;
  /** Called for each object a dry run would queue, skip or fail. */
  readonly onDryRunEntry?: (entry: { action: DryRunAction; source: string; output: string | null; reason?: string }) => void;
  /** Stops the listing (Ctrl-C): the run then ends `failed`, saying how far it got. */
  readonly signal?: AbortSignal;
  /**
   * Called after each batch is committed, before the next: on Redis Cluster, waits until a
   * replica holds the batch's writes (WAIT), so a failover cannot take back jobs the run counts.
   */
  readonly confirmWrites?: () => Promise<void>;
  /** How long a batch failed by Redis is retried before the listing fails. Default BATCH_RETRY_MS. */
  readonly retryWindowMs?: number;
}

/** Objects examined per batch: bounded memory, one addBulk per batch. */
export const BATCH_SIZE = 500;

/**
 * Jobs of one run allowed to wait in the queue by default: ≈ 1,360 bytes of Redis each, so a
 * run's backlog stays near 27 MB whatever the archive's size.
 */
export const DEFAULT_MAX_QUEUED = 20_000;

/** How often a paused listing looks at its run's backlog. */
const PAUSE_CHECK_MS = 500;

/**
 * How long a batch is retried when Redis fails it: long enough for a Cluster failover (a few
 * cluster-node-timeouts) or a restart. Every write of a batch can be redone: job ids are
 * deterministic (BullMQ keeps one job), failures are counted by id, and the listing counters
 * are set to the producer's own count when the listing closes.
 */
export const BATCH_RETRY_MS = 60_000;

/** A run refused before anything is recorded: its source and destination overlap, or a bucket is not allowed. */
export class RunRefusedError extends Error {
  override readonly name = 'RunRefusedError';
}

/**
 * Queues one job per image object of the source, in bounded batches. The run is recorded (and
 * its id handed to onRunCreated) before listing starts, and always settles: a listing that
 * fails ends the run `failed` with the reason. Objects already done with the same version and
 * parameters are skipped (unless forced); so are those that failed permanently before (unless
 * retryFailed). An output owned by another source is never overwritten (output-collision).
 */
export async function enqueueRun(request: EnqueueRequest, deps: EnqueueDeps): Promise<EnqueueProgress> {
  const { runId, destination } = request;
  const refusal = runRefusal(request.sourcePrefix, destination, request.allowedBuckets ?? null);
  if (refusal !== null) throw new RunRefusedError(refusal);
  const progress: EnqueueProgress = {
    listed: 0,
    queued: 0,
    skipped: 0,
    skippedFailed: 0,
    duplicates: 0,
    notImages: 0,
    failed: 0,
    cancelled: false,
  };
  if (request.dryRun) {
    await listInBatches(request, deps, progress, createDryRunSink(deps, progress), 0);
    return progress;
  }

  if (request.resumed !== true) {
    if ((await deps.runs.get(runId)) !== null) throw new RunExistsError(runId);
    const relativeTo = request.relativeTo === undefined ? request.sourcePrefix : request.relativeTo;
    const pair = pairLabel(request.sourceLabel, destination);
    const taken = await deps.runs.takePair(pair, runId, request.force);
    if (!taken.taken) throw new RunConflictError(pair, taken.active.runId, taken.active.state);
    await deps.runs.create({
      runId,
      source: request.sourceLabel,
      destination: `s3://${destination.bucket}/${destination.key}`,
      sourcePrefix: relativeTo ? `s3://${relativeTo.bucket}/${relativeTo.key}` : null,
      params: { ...request.params },
      origin: request.origin,
      flags: { force: request.force, retryFailed: request.retryFailed },
    });
  }
  deps.onRunCreated?.(runId);
  // What the run had counted before this producer (a resumed listing's earlier batches).
  const base = await deps.runs.listingCounts(runId);

  const heartbeat = setInterval(() => {
    deps.runs.heartbeat(runId).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not beat the run heartbeat'));
  }, HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();
  try {
    // Ordinals go on from the objects the run's earlier batches listed (a resumed listing's).
    await listInBatches(request, deps, progress, createRunSink(request, deps, progress), base.listed);
  } catch (error) {
    const reason = `listing stopped after ${progress.listed} objects (${progress.queued} queued): ${(error as Error).message}`;
    await deps.runs.fail(runId, reason).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
  // Every batch committed its jobs (queued ones, and those that failed before being queued),
  // the batches of a resumed listing's earlier producer too: the run's count is the total.
  // The producer's own count is the truth: writes Redis acknowledged can vanish in a failover
  // to a replica that had not received them (asynchronous replication). Put them back.
  const expected = {
    listed: base.listed + progress.listed,
    skipped: base.skipped + progress.skipped,
    skippedFailed: base.skippedFailed + progress.skippedFailed,
    duplicates: base.duplicates + progress.duplicates,
    notImages: base.notImages + progress.notImages,
    jobs: base.jobs + progress.queued + progress.failed,
  };
  // Every job already finished, or none was queued: this enqueue completed the run.
  const completed = await retryWithin(
    deps.retryWindowMs ?? BATCH_RETRY_MS,
    'closing the listing',
    async () => {
      const lost = await deps.runs.reconcileListing(runId, expected);
      if (Object.keys(lost).length > 0) {
        deps.logger.warn({ runId, found: lost, expected }, 'the run had lost listing counts (a Redis failover?): reconciled');
      }
      return deps.runs.closeListing(runId, expected.jobs);
    },
    deps,
  );
  await deps
    .confirmWrites?.()
    .catch((error: unknown) => deps.logger.warn({ err: error, runId }, 'no replica confirmed the closed listing'));
  if (completed) await completeRun(deps, runId);
  return progress;
}

/** Lists and decides in batches; objects are numbered from `firstOrdinal` in listing order. */
async function listInBatches(
  request: EnqueueRequest,
  deps: EnqueueDeps,
  progress: EnqueueProgress,
  sink: Sink,
  firstOrdinal: number,
): Promise<void> {
  // A destination with no objects has no outputs to skip or owners to respect: no HEADs needed.
  const destinationEmpty = await isEmpty(deps.store, request.destination);
  const rules = {
    runId: request.runId,
    destination: request.destination,
    params: request.params,
    maxInputBytes: request.maxInputBytes,
    allowedBuckets: request.allowedBuckets ?? null,
  };
  const maxQueued = request.maxQueued ?? DEFAULT_MAX_QUEUED;
  // A batch never takes the backlog past maxQueued.
  const batchSize = Math.min(request.batchSize ?? BATCH_SIZE, request.dryRun ? Infinity : maxQueued);
  let batch: SourceObject[] = [];
  const processBatch = async (objects: readonly SourceObject[]): Promise<void> => {
    // Numbered from the count listed before this batch: a batch tried again gets the same numbers.
    const ordinal = firstOrdinal + progress.listed;
    const candidates = objects.map((object, i) => candidateFor(object, rules, ordinal + i));
    const checkpoint = objects[objects.length - 1]!.position;
    const firstSeen = request.mayRepeat
      ? await sink.seen(candidates.map((c) => ({ source: c.source, position: c.object.position })))
      : candidates.map(() => true);
    const decisions = firstDecisions(candidates, firstSeen);
    const collisions = await checkExistingOutputs(candidates, decisions, destinationEmpty, request.force, deps.store);
    await recallFailures(candidates, decisions, request.retryFailed, deps.failureMemory);
    applyCollisions(candidates, decisions, collisions);
    await claimOutputs(candidates, decisions, sink.claim, request.destination);
    await sink.write(decisions as Decision[], checkpoint);
    if (!request.dryRun) await deps.confirmWrites?.();
    progress.listed += candidates.length;
    deps.onProgress?.(progress);
  };
  const nextBatch = async (): Promise<'done' | 'cancelled'> => {
    const objects = batch;
    batch = [];
    if (!request.dryRun) {
      const room = await retryingRedis('waiting for room in the queue', () =>
        waitForRoom(request.runId, objects.length, maxQueued, deps),
      );
      if (room === 'cancelled') {
        progress.cancelled = true;
        return 'cancelled';
      }
    }
    await retryingRedis('queueing a batch', () => processBatch(objects));
    return 'done';
  };
  const retryingRedis = <T>(what: string, step: () => Promise<T>): Promise<T> =>
    request.dryRun ? step() : retryWithin(deps.retryWindowMs ?? BATCH_RETRY_MS, what, step, deps);
  for await (const object of request.objects) {
    if (deps.signal?.aborted) throw new Error('interrupted (SIGINT)');
    batch.push(object);
    if (batch.length >= batchSize && (await nextBatch()) === 'cancelled') return;
  }
  if (batch.length > 0) await nextBatch();
}

/**
 * Runs `step` again while it fails, for up to `windowMs` (a Redis failover or restart), then
 * gives up with its last error. An interrupted listing (SIGINT) is not retried.
 */
async function retryWithin<T>(windowMs: number, what: string, step: () => Promise<T>, deps: EnqueueDeps): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (deps.signal?.aborted || Date.now() - started >= windowMs) throw error;
      deps.logger.warn({ err: error, attempt }, `${what} failed: trying again (Redis failing over?)`);
      await pause(Math.min(250 * attempt, 2_000), deps.signal);
    }
  }
}

/**
 * Back-pressure: returns once another batch fits under maxQueued waiting jobs of the run (the
 * run marked "listing paused" meanwhile), or 'cancelled' when the run was cancelled.
 */
async function waitForRoom(
  runId: string,
  batchSize: number,
  maxQueued: number,
  deps: EnqueueDeps,
): Promise<'room' | 'cancelled'> {
  let pausedAt: number | null = null;
  for (;;) {
    const run = await deps.runs.get(runId);
    if (run === null || run.state === 'cancelled') return 'cancelled';
    if (run.queued + batchSize <= maxQueued) break;
    if (pausedAt === null || run.queued !== run.listingPaused?.queued) {
      if (pausedAt === null) deps.logger.info({ runId, queued: run.queued, maxQueued }, 'listing paused: workers are behind');
      pausedAt ??= Date.now();
      await deps.runs.pauseListing(runId, run.queued, maxQueued);
    }
    await pause(PAUSE_CHECK_MS, deps.signal);
    if (deps.signal?.aborted) throw new Error('interrupted (SIGINT)');
  }
  if (pausedAt !== null) {
    await deps.runs.unpauseListing(runId);
    deps.logger.info({ runId, pausedMs: Date.now() - pausedAt }, 'listing resumed');
  }
  return 'room';
}

async function isEmpty(store: ObjectStore, location: S3Location): Promise<boolean> {
  const listing = store.list(location.bucket, location.key)[Symbol.asyncIterator]();
  const first = await listing.next();
  await listing.return?.();
  return first.done === true;
}
