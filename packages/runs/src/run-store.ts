import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';
import { runIndexKey, runKeys, shardOf, SHARDS } from './run-keys.js';
import { CLOSE_LISTING, FINISH_JOB } from './run-scripts.js';

const closeListingScript = luaScript(CLOSE_LISTING);
const finishJobScript = luaScript(FINISH_JOB);

/** What a run was asked to do; stored when it is created. */
export interface RunDefinition {
  readonly runId: string;
  readonly source: string;
  readonly destination: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Why the run exists: "enqueue", or "schedule:NAME". */
  readonly origin: string;
}

/** Counts and totals of a run, as `status` shows them. */
export interface RunSnapshot extends RunDefinition {
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly listingDone: boolean;
  readonly complete: boolean;
  /** Objects seen while listing, images among them, and non-images left out. */
  readonly listed: number;
  readonly jobs: number;
  readonly skipped: number;
  readonly notImages: number;
  readonly done: number;
  readonly failed: number;
  readonly active: number;
  readonly queued: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly meanPsnr: number | null;
}

export interface JobResultRecord {
  readonly key: string;
  readonly output: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly psnr: number | null;
  readonly megapixels: number;
  readonly timingsMs: Readonly<Record<string, number>>;
}

export interface JobFailureRecord {
  readonly key: string;
  readonly code: string;
  readonly reason: string;
}

export type JobOutcome =
  | { readonly status: 'done'; readonly result: JobResultRecord }
  | { readonly status: 'failed'; readonly failure: JobFailureRecord };

export interface FinishResult {
  /** False when this job's outcome had already been counted (a retry after a crash). */
  readonly counted: boolean;
  /**
   * True for the one call that completed the run, and for a retried job's call while the
   * completed run's report is not yet marked written (the first finalizer may have crashed).
   */
  readonly completedRun: boolean;
}

/** Failure records kept per run; further failures are counted but not listed. */
export const MAX_FAILURES_KEPT = 10_000;
/** Runs expire from Redis this long after their last change. */
export const RUN_TTL_SECONDS = 30 * 24 * 3600;

export interface RunStore {
  create(definition: RunDefinition): Promise<void>;
  /** Adds to the listing counters (objects seen, images, non-images) and skipped objects. */
  addListing(runId: string, counts: { listed?: number; notImages?: number; skipped?: number }): Promise<void>;
  addJobs(runId: string, jobs: number): Promise<void>;
  /** Marks the listing complete with the final job count; true if that completed the run. */
  closeListing(runId: string, jobs: number): Promise<boolean>;
  startJob(runId: string, jobId: string): Promise<void>;
  finishJob(runId: string, jobId: string, outcome: JobOutcome): Promise<FinishResult>;
  /**
   * Claims output keys for sources within a run. Returns, for each entry, null when the claim
   * holds, or the other source that already claimed the key (a collision).
   */
  claimOutputs(runId: string, entries: readonly { output: string; source: string }[]): Promise<(string | null)[]>;
  /** Records that the run's report is written, so retried jobs stop offering to finalize it. */
  markReported(runId: string): Promise<void>;
  get(runId: string): Promise<RunSnapshot | null>;
  failures(runId: string, limit?: number): Promise<JobFailureRecord[]>;
  /** Per-image results, shard by shard (never one value holding the whole run). */
  results(runId: string): AsyncIterable<JobResultRecord>;
  /** Most recent run ids, newest first. */
  recent(limit: number): Promise<string[]>;
}

export function createRunStore(redis: Redis, prefix: string): RunStore {
  const touch = (runId: string): Promise<unknown> => redis.expire(runKeys(prefix, runId).hash, RUN_TTL_SECONDS);

  return {
    async create(definition) {
      const keys = runKeys(prefix, definition.runId);
      const now = Date.now();
      await redis
        .multi()
        .hset(keys.hash, {
          runId: definition.runId,
          source: definition.source,
          destination: definition.destination,
          params: JSON.stringify(definition.params),
          origin: definition.origin,
          createdAt: String(now),
        })
        .hsetnx(keys.hash, 'jobs', '0')
        .expire(keys.hash, RUN_TTL_SECONDS)
        .zadd(runIndexKey(prefix), now, definition.runId)
        .exec();
    },

    async addListing(runId, counts) {
      const keys = runKeys(prefix, runId);
      const multi = redis.multi();
      for (const [field, value] of Object.entries(counts)) if (value) multi.hincrby(keys.hash, field, value);
      await multi.exec();
    },

    async addJobs(runId, jobs) {
      await redis.hincrby(runKeys(prefix, runId).hash, 'jobs', jobs);
    },

    async closeListing(runId, jobs) {
      const result = await closeListingScript.run(redis, [runKeys(prefix, runId).hash], [String(jobs), String(Date.now())]);
      await touch(runId);
      return result === 1;
    },

    async startJob(runId, jobId) {
      const keys = runKeys(prefix, runId);
      await redis.multi().sadd(keys.active, jobId).expire(keys.active, RUN_TTL_SECONDS).exec();
    },

    async finishJob(runId, jobId, outcome) {
      const keys = runKeys(prefix, runId);
      const shard = shardOf(jobId);
      const done = outcome.status === 'done' ? outcome.result : null;
      const failure = outcome.status === 'failed' ? outcome.failure : null;
      const reply = (await finishJobScript.run(
        redis,
        [keys.hash, keys.finished(shard), keys.active, keys.failures, keys.results(shard)],
        [
          jobId,
          outcome.status,
          String(done?.bytesIn ?? 0),
          String(done?.bytesOut ?? 0),
          done?.psnr === null || done === null ? '' : String(done.psnr),
          done ? JSON.stringify(done) : '',
          failure ? JSON.stringify(failure) : '',
          String(MAX_FAILURES_KEPT),
          String(RUN_TTL_SECONDS),
          String(Date.now()),
        ],
      )) as [number, number];
      return { counted: reply[0] === 1, completedRun: reply[1] === 1 };
    },

    async claimOutputs(runId, entries) {
      if (entries.length === 0) return [];
      const keys = runKeys(prefix, runId);
      const claim = redis.multi();
      for (const { output, source } of entries) claim.hsetnx(keys.outputs(shardOf(output)), output, source);
      const claimed = (await claim.exec()) ?? [];
      const lookup = redis.multi();
      for (const { output } of entries) lookup.hget(keys.outputs(shardOf(output)), output);
      for (let shard = 0; shard < SHARDS; shard++) lookup.expire(keys.outputs(shard), RUN_TTL_SECONDS);
      const owners = (await lookup.exec()) ?? [];
      return entries.map(({ source }, i) => {
        if (claimed[i]?.[1] === 1) return null;
        const owner = owners[i]?.[1];
        return typeof owner === 'string' && owner !== source ? owner : null;
      });
    },

    async markReported(runId) {
      await redis.hset(runKeys(prefix, runId).hash, 'reported', '1');
    },

    async get(runId) {
      const keys = runKeys(prefix, runId);
      const [hash, active] = await Promise.all([redis.hgetall(keys.hash), redis.scard(keys.active)]);
      if (!hash.runId) return null;
      const number = (field: string): number => Number(hash[field] ?? 0);
      const jobs = number('jobs');
      const done = number('done');
      const failed = number('failed');
      const psnrCount = number('psnrCount');
      const listingDone = hash.listingDone === '1';
      return {
        runId: hash.runId,
        source: hash.source ?? '',
        destination: hash.destination ?? '',
        params: JSON.parse(hash.params ?? '{}') as Record<string, unknown>,
        origin: hash.origin ?? 'enqueue',
        createdAt: number('createdAt'),
        finishedAt: hash.finishedAt ? Number(hash.finishedAt) : null,
        listingDone,
        complete: hash.finalized === '1',
        listed: number('listed'),
        jobs,
        skipped: number('skipped'),
        notImages: number('notImages'),
        done,
        failed,
        active: Math.min(active, Math.max(0, jobs - done - failed)),
        queued: Math.max(0, jobs - done - failed - active),
        bytesIn: number('bytesIn'),
        bytesOut: number('bytesOut'),
        meanPsnr: psnrCount > 0 ? number('psnrSum') / psnrCount : null,
      };
    },

    async failures(runId, limit = MAX_FAILURES_KEPT) {
      const raw = await redis.lrange(runKeys(prefix, runId).failures, 0, limit - 1);
      return raw.map((entry) => JSON.parse(entry) as JobFailureRecord);
    },

    async *results(runId) {
      const keys = runKeys(prefix, runId);
      for (let shard = 0; shard < SHARDS; shard++) {
        const raw = await redis.lrange(keys.results(shard), 0, -1);
        for (const entry of raw) yield JSON.parse(entry) as JobResultRecord;
      }
    },

    async recent(limit) {
      return redis.zrevrange(runIndexKey(prefix), 0, limit - 1);
    },
  };
}
