import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';
import { runKeys, shardOf } from './run-keys.js';
import { LISTING_STALE_MS } from './run-state.js';

const markSeenScript = luaScript('markSeen', 1);
const resumeListingScript = luaScript('resumeListing', 1);

/** A failure record kept in the run (the shape of RunStore's JobFailureRecord). */
interface FailureRecord {
  readonly key: string;
  readonly code: string;
  readonly reason: string;
}

/** The listing's counters of a run. */
export interface ListingCounts {
  readonly listed: number;
  readonly skipped: number;
  readonly skippedFailed: number;
  readonly duplicates: number;
  readonly notImages: number;
  /** Jobs counted: those queued and those that failed before being queued. */
  readonly jobs: number;
}

export const LISTING_COUNTERS = ['listed', 'skipped', 'skippedFailed', 'duplicates', 'notImages', 'jobs'] as const;

/** What one listed batch adds to its run, committed at once with the checkpoint after it. */
export interface ListingBatch extends ListingCounts {
  /** Sources skipped because they failed before (listed up to `maxKept`). */
  readonly skippedFailures: readonly FailureRecord[];
  /** Where the listing stands after this batch (last key, or manifest line). */
  readonly checkpoint: string;
  /**
   * A prefix listing's output claims that a later key could still collide with (it claims in
   * memory: see the producer's sorted claims), kept with the checkpoint for a resumed listing.
   */
  readonly openClaims?: readonly { readonly output: string; readonly source: string }[];
}

/** Why `resumeListing` refused, in a person's words. */
export class ResumeRefusedError extends Error {
  override readonly name = 'ResumeRefusedError';
}

/** The listing side of a run: what a producer writes while listing, and how another takes over. */
export interface RunListing {
  /**
   * For each source, true the first time this run sees it (a manifest may name one twice). A
   * source first seen at the same position counts as first again: a resumed batch is not a duplicate.
   */
  markSeen(runId: string, entries: readonly { source: string; position: string }[]): Promise<boolean[]>;
  /**
   * Adds a batch's counters, its skipped failures and the checkpoint after it in one MULTI: a
   * producer killed before this call leaves the batch uncounted, and a resume redoes it whole.
   */
  commitBatch(runId: string, batch: ListingBatch): Promise<void>;
  /** The listing waits for workers: `queued` jobs of the run wait, at most `maxQueued` allowed. */
  pauseListing(runId: string, queued: number, maxQueued: number): Promise<void>;
  /** The listing goes on. */
  unpauseListing(runId: string): Promise<void>;
  /**
   * Hands a run whose listing stopped to this producer: it is `listing` again. Returns the
   * checkpoint to list from (null: from the start); refuses with ResumeRefusedError a run that
   * does not exist, has finished listing, was cancelled, or whose producer is still alive.
   */
  resumeListing(runId: string): Promise<string | null>;
  /** The run's listing counters now. */
  listingCounts(runId: string): Promise<ListingCounts>;
  /** The open output claims the last committed batch left (ListingBatch.openClaims); [] if none. */
  openClaims(runId: string): Promise<{ output: string; source: string }[]>;
  /**
   * Sets the listing counters to what the producer counted, when Redis lost some of its
   * acknowledged writes (a failover to a replica that had not received them). Returns the
   * counters that differed, with the values Redis had.
   */
  reconcileListing(runId: string, expected: ListingCounts): Promise<Partial<ListingCounts>>;
}

export function createRunListing(redis: Redis, prefix: string, ttlSeconds: number, maxFailuresKept: number): RunListing {
  const listingCounts = async (runId: string): Promise<ListingCounts> => {
    const values = await redis.hmget(runKeys(prefix, runId).hash, ...LISTING_COUNTERS);
    return Object.fromEntries(LISTING_COUNTERS.map((name, i) => [name, Number(values[i] ?? 0)])) as unknown as ListingCounts;
  };
  return {
    listingCounts,

    async markSeen(runId, entries) {
      const keys = runKeys(prefix, runId);
      return Promise.all(
        entries.map(
          async ({ source, position }) =>
            (await markSeenScript.run(redis, [keys.seen(shardOf(source))], [source, position, String(ttlSeconds)])) === 1,
        ),
      );
    },

    async commitBatch(runId, batch) {
      const keys = runKeys(prefix, runId);
      const multi = redis.multi();
      const counts = {
        listed: batch.listed,
        skipped: batch.skipped,
        skippedFailed: batch.skippedFailed,
        duplicates: batch.duplicates,
        notImages: batch.notImages,
        jobs: batch.jobs,
      };
      for (const [field, value] of Object.entries(counts)) if (value) multi.hincrby(keys.hash, field, value);
      multi.hset(keys.hash, 'checkpoint', batch.checkpoint, 'heartbeatAt', String(Date.now()));
      if (batch.openClaims !== undefined) multi.hset(keys.hash, 'openClaims', JSON.stringify(batch.openClaims));
      if (batch.skippedFailures.length > 0) {
        multi
          .rpush(keys.skippedFailed, ...batch.skippedFailures.map((r) => JSON.stringify(r)))
          .ltrim(keys.skippedFailed, 0, maxFailuresKept - 1)
          .expire(keys.skippedFailed, ttlSeconds);
      }
      const replies = (await multi.exec()) ?? [];
      const failed = replies.find(([error]) => error !== null);
      if (failed) throw new Error(`could not record a listed batch of run ${runId}: ${failed[0]!.message}`);
    },

    async openClaims(runId) {
      const raw = await redis.hget(runKeys(prefix, runId).hash, 'openClaims');
      return raw === null ? [] : (JSON.parse(raw) as { output: string; source: string }[]);
    },

    async pauseListing(runId, queued, maxQueued) {
      await redis.hset(runKeys(prefix, runId).hash, 'listingPaused', String(queued), 'maxQueued', String(maxQueued));
    },

    async unpauseListing(runId) {
      await redis.hdel(runKeys(prefix, runId).hash, 'listingPaused', 'maxQueued');
    },

    async reconcileListing(runId, expected) {
      const found = await listingCounts(runId);
      const differing = LISTING_COUNTERS.filter((name) => found[name] !== expected[name]);
      if (differing.length === 0) return {};
      await redis.hset(runKeys(prefix, runId).hash, Object.fromEntries(differing.map((name) => [name, String(expected[name])])));
      return Object.fromEntries(differing.map((name) => [name, found[name]]));
    },

    async resumeListing(runId) {
      const [code, detail] = (await resumeListingScript.run(
        redis,
        [runKeys(prefix, runId).hash],
        [String(Date.now()), String(LISTING_STALE_MS)],
      )) as [number, string];
      switch (code) {
        case 1:
          return detail === '' ? null : detail;
        case -1:
          throw new ResumeRefusedError(`no run ${runId} to resume`);
        case -2:
          throw new ResumeRefusedError(`run ${runId} has finished listing: nothing to resume`);
        case -3:
          throw new ResumeRefusedError(`run ${runId} was cancelled: it cannot be resumed`);
        case -5:
          throw new ResumeRefusedError(`run ${runId} is complete: nothing to resume`);
        default: {
          const seconds = Math.round((Date.now() - Number(detail)) / 1000);
          throw new ResumeRefusedError(
            `run ${runId} is still listing (its producer beat ${seconds}s ago); a producer that stopped ` +
              `can be resumed ${LISTING_STALE_MS / 1000}s after its last beat`,
          );
        }
      }
    },
  };
}
