import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';
import { RunExistsError } from './run-errors.js';
import { pairKey, runIndexKey, runKeys, shardOf, SHARDS } from './run-keys.js';
import { createRunListing, type RunListing } from './run-listing.js';
import { RESULT_PAGE_SIZE, readResults, type ResultPageStore, spillResults } from './result-pages.js';
import {
  COUNTERS,
  type FinishResult,
  type JobFailureRecord,
  type JobOutcome,
  type JobResultRecord,
  MAX_FAILURES_KEPT,
  MAX_ORDINAL,
  type OutputClaim,
  RUN_TTL_SECONDS,
  type RunDefinition,
  type RunSnapshot,
} from './run-records.js';
import { snapshotOf } from './run-snapshot.js';

const closeListingScript = luaScript('closeListing', 1);
const finishJobScript = luaScript('finishJob', 6);
const cancelRunScript = luaScript('cancelRun', 1);
const failRunScript = luaScript('failRun', 1);
const takePairScript = luaScript('takePair', 1);

export interface RunStore extends RunListing {
  /** Records a new run (state `listing`); a run id in use is refused with RunExistsError. */
  create(definition: RunDefinition): Promise<void>;
  /** The listing producer is alive (see LISTING_STALE_MS). */
  heartbeat(runId: string): Promise<void>;
  /** Adds to the listing counters (objects seen, non-images, skipped, duplicates). */
  addListing(
    runId: string,
    counts: { listed?: number; notImages?: number; skipped?: number; skippedFailed?: number; duplicates?: number },
  ): Promise<void>;
  /** Lists sources skipped because they failed before (kept up to MAX_FAILURES_KEPT). */
  addSkippedFailures(runId: string, records: readonly JobFailureRecord[]): Promise<void>;
  skippedFailures(runId: string, limit?: number): Promise<JobFailureRecord[]>;
  /** Ends a run that could not list its source: state `failed` with the reason. False if it had settled. */
  fail(runId: string, reason: string): Promise<boolean>;
  /** Cancels an unsettled run: true if this call cancelled it; null when there is no such run. */
  cancel(runId: string, reason: string): Promise<boolean | null>;
  /**
   * Takes the source → destination pair for `runId` unless another run of the pair is still
   * listing or running (then returns that run). `force` takes it anyway.
   */
  takePair(pair: string, runId: string, force: boolean): Promise<{ taken: true } | { taken: false; active: RunSnapshot }>;
  addJobs(runId: string, jobs: number): Promise<void>;
  /**
   * Marks the listing complete with the final job count (default: the count its batches
   * committed); true if that completed the run.
   */
  closeListing(runId: string, jobs?: number): Promise<boolean>;
  startJob(runId: string, jobId: string): Promise<void>;
  /**
   * Counts a job's outcome once. `ordinal` is the number the producer gave the job in its run
   * (ImageJob.ordinal): the run keeps one bit per job. A job without one (queued by an older
   * producer) is remembered by its id instead.
   */
  finishJob(runId: string, jobId: string, outcome: JobOutcome, ordinal?: number): Promise<FinishResult>;
  /**
   * Writes the run's buffered results to its result pages in S3, full pages only (`all`: every
   * last one, before a report reads them). Returns the pages written.
   */
  spillResults(runId: string, pages: ResultPageStore, options?: { all?: boolean; pageSize?: number }): Promise<number>;
  /**
   * Claims output keys for sources within a run. Returns, for each entry, whether the claim
   * holds, the same source claimed it already (a duplicate manifest line), or another source
   * did (a collision, naming it).
   */
  claimOutputs(runId: string, entries: readonly { output: string; source: string }[]): Promise<OutputClaim[]>;
  /** Records that the run's report is written, so retried jobs stop offering to finalize it. */
  markReported(runId: string): Promise<void>;
  get(runId: string): Promise<RunSnapshot | null>;
  failures(runId: string, limit?: number): Promise<JobFailureRecord[]>;
  /**
   * Per-image results, page by page (never one value holding the whole run): written pages from
   * `pages` (S3), the rest from Redis. Without `pages`, a run with written pages is an error.
   */
  results(runId: string, pages?: ResultPageStore | null): AsyncIterable<JobResultRecord>;
  /** Most recent run ids, newest first. */
  recent(limit: number): Promise<string[]>;
}

export function createRunStore(redis: Redis, prefix: string): RunStore {
  const touch = (runId: string): Promise<unknown> => redis.expire(runKeys(prefix, runId).hash, RUN_TTL_SECONDS);

  return {
    ...createRunListing(redis, prefix, RUN_TTL_SECONDS, MAX_FAILURES_KEPT),

    async create(definition) {
      const keys = runKeys(prefix, definition.runId);
      const now = Date.now();
      // runId is the field every run has: setting it first makes the id's reuse an error.
      if ((await redis.hsetnx(keys.hash, 'runId', definition.runId)) === 0) throw new RunExistsError(definition.runId);
      await redis
        .multi()
        .hset(keys.hash, {
          heartbeatAt: String(now),
          source: definition.source,
          destination: definition.destination,
          sourcePrefix: definition.sourcePrefix ?? '',
          params: JSON.stringify(definition.params),
          origin: definition.origin,
          flags: JSON.stringify(definition.flags ?? { force: false, retryFailed: false }),
          createdAt: String(now),
        })
        .hsetnx(keys.hash, 'jobs', '0')
        .expire(keys.hash, RUN_TTL_SECONDS)
        .zadd(runIndexKey(prefix), now, definition.runId)
        // The index lists runs that still exist: entries older than a run's TTL go with them.
        .zremrangebyscore(runIndexKey(prefix), '-inf', now - RUN_TTL_SECONDS * 1000)
        .expire(runIndexKey(prefix), RUN_TTL_SECONDS)
        .exec();
    },

    async heartbeat(runId) {
      await redis.hset(runKeys(prefix, runId).hash, 'heartbeatAt', String(Date.now()));
    },

    async addSkippedFailures(runId, records) {
      if (records.length === 0) return;
      const key = runKeys(prefix, runId).skippedFailed;
      const kept = await redis.llen(key);
      const room = Math.max(0, MAX_FAILURES_KEPT - kept);
      if (room === 0) return;
      await redis
        .multi()
        .rpush(key, ...records.slice(0, room).map((r) => JSON.stringify(r)))
        .expire(key, RUN_TTL_SECONDS)
        .exec();
    },

    async skippedFailures(runId, limit = MAX_FAILURES_KEPT) {
      const raw = await redis.lrange(runKeys(prefix, runId).skippedFailed, 0, limit - 1);
      return raw.map((entry) => JSON.parse(entry) as JobFailureRecord);
    },

    async fail(runId, reason) {
      const reply = await failRunScript.run(redis, [runKeys(prefix, runId).hash], [reason]);
      return reply === 1;
    },

    async cancel(runId, reason) {
      const reply = await cancelRunScript.run(redis, [runKeys(prefix, runId).hash], [reason, String(Date.now())]);
      return reply === -1 ? null : reply === 1;
    },

    async takePair(pair, runId, force) {
      const key = pairKey(prefix, pair);
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = await redis.get(key);
        if (current !== null && current !== runId && !force) {
          const active = await this.get(current);
          if (active !== null && (active.state === 'listing' || active.state === 'running')) return { taken: false, active };
        }
        const taken = await takePairScript.run(redis, [key], [runId, current ?? '', String(RUN_TTL_SECONDS)]);
        if (taken === 1) return { taken: true };
      }
      throw new Error(`could not take ${pair} for run ${runId}: other producers keep taking it`);
    },

    async addListing(runId, counts) {
      const keys = runKeys(prefix, runId);
      const multi = redis.multi();
      for (const [field, value] of Object.entries(counts)) if (value) multi.hincrby(keys.hash, field, value);
      multi.hset(keys.hash, 'heartbeatAt', String(Date.now()));
      await multi.exec();
    },

    async addJobs(runId, jobs) {
      await redis.hincrby(runKeys(prefix, runId).hash, 'jobs', jobs);
    },

    async closeListing(runId, jobs) {
      const result = await closeListingScript.run(
        redis,
        [runKeys(prefix, runId).hash],
        [jobs === undefined ? '' : String(jobs), String(Date.now())],
      );
      await touch(runId);
      return result === 1;
    },

    async startJob(runId, jobId) {
      const keys = runKeys(prefix, runId);
      await redis.multi().sadd(keys.active, jobId).expire(keys.active, RUN_TTL_SECONDS).exec();
    },

    async finishJob(runId, jobId, outcome, ordinal) {
      const keys = runKeys(prefix, runId);
      const shard = shardOf(jobId);
      if (ordinal !== undefined && !(Number.isSafeInteger(ordinal) && ordinal >= 0 && ordinal < MAX_ORDINAL)) {
        throw new RangeError(
          `job ${jobId} of run ${runId} has ordinal ${ordinal}: expected an integer from 0 to ${MAX_ORDINAL - 1}`,
        );
      }
      const done = outcome.status === 'done' ? outcome.result : null;
      const kept = outcome.status === 'kept-original' ? { ...outcome.result, keptOriginal: true } : null;
      const failure = outcome.status === 'failed' ? outcome.failure : null;
      const counter = COUNTERS[outcome.status];
      const reply = (await finishJobScript.run(
        redis,
        [keys.hash, keys.finishedBits, keys.active, keys.failures, keys.resultBuffer, keys.finished(shard)],
        [
          jobId,
          ordinal === undefined ? '' : String(ordinal),
          counter,
          String(done?.bytesIn ?? 0),
          String(done?.bytesOut ?? 0),
          done?.psnr === null || done === null ? '' : String(done.psnr),
          done ? JSON.stringify(done) : kept ? JSON.stringify(kept) : '',
          failure ? JSON.stringify(failure) : '',
          String(MAX_FAILURES_KEPT),
          String(RUN_TTL_SECONDS),
          String(Date.now()),
        ],
      )) as [number, number, number];
      return { counted: reply[0] === 1, completedRun: reply[1] === 1, pageReady: reply[2] >= RESULT_PAGE_SIZE };
    },

    async spillResults(runId, pages, options = {}) {
      return spillResults(redis, runKeys(prefix, runId), pages, { ...options, ttlSeconds: RUN_TTL_SECONDS });
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
      return entries.map(({ source }, i): OutputClaim => {
        if (claimed[i]?.[1] === 1) return { kind: 'claimed' };
        const owner = owners[i]?.[1];
        if (typeof owner !== 'string') return { kind: 'claimed' };
        return owner === source ? { kind: 'duplicate' } : { kind: 'collision', owner };
      });
    },

    async markReported(runId) {
      await redis.hset(runKeys(prefix, runId).hash, 'reported', '1');
    },

    async get(runId) {
      const keys = runKeys(prefix, runId);
      const [hash, active] = await Promise.all([redis.hgetall(keys.hash), redis.scard(keys.active)]);
      return hash.runId ? snapshotOf(hash, active, Date.now()) : null;
    },

    async failures(runId, limit = MAX_FAILURES_KEPT) {
      const raw = await redis.lrange(runKeys(prefix, runId).failures, 0, limit - 1);
      return raw.map((entry) => JSON.parse(entry) as JobFailureRecord);
    },

    results(runId, pages = null) {
      return readResults(redis, runKeys(prefix, runId), runId, pages);
    },

    async recent(limit) {
      return redis.zrevrange(runIndexKey(prefix), 0, limit - 1);
    },
  };
}
