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
    await listInBatches(request, deps, progress, createDryRunSink(deps, progress));
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
    await listInBatches(request, deps, progress, createRunSink(request, deps, progress));
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
  const lost = await deps.runs.reconcileListing(runId, expected);
  if (Object.keys(lost).length > 0) {
    deps.logger.warn({ runId, found: lost, expected }, 'the run had lost listing counts (a Redis failover?): reconciled');
  }
  // Every job already finished, or none was queued: this enqueue completed the run.
  const completed = await deps.runs.closeListing(runId, expected.jobs);
  if (completed) await completeRun(deps, runId);
  return progress;
}

async function listInBatches(request: EnqueueRequest, deps: EnqueueDeps, progress: EnqueueProgress, sink: Sink): Promise<void> {
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
  const processBatch = async (): Promise<void> => {
    const candidates = batch.map((object) => candidateFor(object, rules));
    const checkpoint = batch[batch.length - 1]!.position;
    batch = [];
    const firstSeen = request.mayRepeat
      ? await sink.seen(candidates.map((c) => ({ source: c.source, position: c.object.position })))
      : candidates.map(() => true);
    const decisions = firstDecisions(candidates, firstSeen);
    const collisions = await checkExistingOutputs(candidates, decisions, destinationEmpty, request.force, deps.store);
    await recallFailures(candidates, decisions, request.retryFailed, deps.failureMemory);
    applyCollisions(candidates, decisions, collisions);
    await claimOutputs(candidates, decisions, sink.claim, request.destination);
    progress.listed += candidates.length;
    await sink.write(decisions as Decision[], checkpoint);
    deps.onProgress?.(progress);
  };
  for await (const object of request.objects) {
    if (deps.signal?.aborted) throw new Error('interrupted (SIGINT)');
    batch.push(object);
    if (batch.length >= batchSize) {
      if (!request.dryRun && (await waitForRoom(request.runId, batch.length, maxQueued, deps)) === 'cancelled') {
        progress.cancelled = true;
        return;
      }
      await processBatch();
    }
  }
  if (batch.length === 0) return;
  if (!request.dryRun && (await waitForRoom(request.runId, batch.length, maxQueued, deps)) === 'cancelled') {
    progress.cancelled = true;
    return;
  }
  await processBatch();
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
