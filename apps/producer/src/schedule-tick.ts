import { newRunId, parseS3Url, parseScheduleTick, scheduleLockKey } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import { RunConflictError, runKeys } from '@kpress/runs';
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { enqueueRun, RunRefusedError } from './enqueue-run.js';
import type { RunShards } from './run-shards.js';
import { objectsUnderPrefix } from './source-objects.js';

export interface ScheduleTickDeps {
  readonly redis: Redis;
  /** The home prefix, where the tick's lock lives. */
  readonly prefix: string;
  readonly store: ObjectStore;
  /** Where the tick's run is placed (by the hash of its id) and its jobs queued. */
  readonly shards: RunShards;
  readonly logger: Logger;
  readonly maxInputBytes: number;
  /** Buckets runs may read and write (KPRESS_ALLOWED_BUCKETS), checked again on every tick. Default: any. */
  readonly allowedBuckets?: ReadonlySet<string> | null;
  /** On Redis Cluster: waits until a replica holds the writes made to `key`'s master (see EnqueueDeps.confirmWrites). */
  readonly confirmWrites?: ((key: string) => Promise<void>) | null;
}

export type ScheduleTickResult =
  { readonly runId: string; readonly queued: number; readonly skipped: number } | { readonly overlapped: true };

/** A tick holds this lock while it lists; it expires on its own if the process dies. */
const LOCK_MS = 15 * 60 * 1000;

/**
 * One tick of a schedule: an incremental run (only new or changed objects) with its own run id
 * and report. A tick that finds nothing new still records its (empty) run. A tick that finds
 * the previous tick of the same schedule still listing does nothing, so two ticks never list
 * the same source at once.
 */
export function createScheduleTickProcessor(deps: ScheduleTickDeps): (job: Job) => Promise<ScheduleTickResult> {
  return async (job) => {
    let tick;
    try {
      tick = parseScheduleTick(job.data);
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
    const log = deps.logger.child({ schedule: tick.name });
    const lockKey = scheduleLockKey(deps.prefix, tick.name);
    const token = `${job.id ?? 'tick'}-${process.pid}`;
    if ((await deps.redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      log.warn('previous tick still listing: this tick does nothing');
      return { overlapped: true };
    }
    try {
      const source = parseS3Url(tick.from, 'from');
      const runId = `${tick.name}-${newRunId()}`;
      const shard = await deps.shards.place(runId);
      const enqueue = enqueueRun(
        {
          runId,
          objects: objectsUnderPrefix(deps.store, source),
          sourceLabel: tick.from,
          sourcePrefix: source,
          mayRepeat: false,
          destination: parseS3Url(tick.to, 'to'),
          params: tick.params,
          force: false,
          retryFailed: false,
          dryRun: false,
          origin: `schedule:${tick.name}`,
          maxInputBytes: deps.maxInputBytes,
          allowedBuckets: deps.allowedBuckets ?? null,
        },
        {
          store: deps.store,
          runs: deps.shards.runs,
          failureMemory: deps.shards.failureMemory,
          queue: shard.queue,
          logger: log,
          ...(deps.confirmWrites ? { confirmWrites: () => deps.confirmWrites!(runKeys(shard.prefix, runId).hash) } : {}),
        },
      );
      let progress;
      try {
        progress = await enqueue;
      } catch (error) {
        // Another run of the pair is still going (a slow run, or a manual enqueue): not an error of the tick.
        if (error instanceof RunConflictError) {
          log.warn({ activeRunId: error.activeRunId }, error.message);
          return { overlapped: true };
        }
        // Overlap or a bucket not allowed: every tick would fail the same way.
        if (error instanceof RunRefusedError) {
          log.error({ from: tick.from, to: tick.to }, `scheduled run refused: ${error.message}`);
          throw new UnrecoverableError(error.message);
        }
        throw error;
      }
      log.info({ runId, queued: progress.queued, skipped: progress.skipped }, 'scheduled run started');
      return { runId, queued: progress.queued, skipped: progress.skipped };
    } finally {
      // Release only our own lock (compare-and-delete).
      await deps.redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        lockKey,
        token,
      );
    }
  };
}
