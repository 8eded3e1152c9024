import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';
import type { RunKeys } from './run-keys.js';
import { SHARDS } from './run-keys.js';
import type { JobResultRecord } from './run-records.js';

/**
 * Where a run's result pages live once written: numbered objects in the run's report folder in
 * S3 (see @kpress/reports resultPageStore). A page's lines never change once numbered, so writing
 * a page twice (a writer that died before marking it written) writes the same object.
 */
export interface ResultPageStore {
  /** Where page N is, for messages (s3://bucket/key). */
  describe(page: number): string;
  put(page: number, body: Buffer): Promise<void>;
  /** The page's bytes, or null when there is no such object. */
  get(page: number): Promise<Buffer | null>;
}

/** Results per page: ≈ 250 KB of JSON lines, so the buffer in Redis stays near that. */
export const RESULT_PAGE_SIZE = 1_000;
/** A page taken this long ago and not marked written lost its writer: the next spill writes it. */
export const PAGE_STALE_MS = 60_000;

const takeResultPage = luaScript('takeResultPage', 3);
const resultsSnapshot = luaScript('resultsSnapshot', 3);

/**
 * Moves the run's buffered results to S3, a full page at a time (with `all`, what is left too,
 * and every page another writer has not marked written: the run's report is about to be read).
 * Returns the pages written. A crash between the S3 write and the mark leaves the page pending:
 * it is written again, with the same lines, and nothing is lost or listed twice.
 */
export async function spillResults(
  redis: Redis,
  keys: RunKeys,
  pages: ResultPageStore,
  options: { readonly all?: boolean; readonly pageSize?: number; readonly ttlSeconds: number },
): Promise<number> {
  let written = 0;
  for (;;) {
    const [page, body] = (await takeResultPage.run(
      redis,
      [keys.hash, keys.resultBuffer, keys.pendingPages],
      [
        String(options.pageSize ?? RESULT_PAGE_SIZE),
        options.all === true ? '1' : '0',
        String(Date.now()),
        String(options.all === true ? 0 : PAGE_STALE_MS),
        String(options.ttlSeconds),
      ],
    )) as [number, string];
    if (page < 0) return written;
    await pages.put(page, Buffer.from(`${body}\n`));
    await redis.hdel(keys.pendingPages, String(page), `at:${page}`);
    written++;
  }
}

/**
 * Every result of the run once: pages 0..N-1 (from Redis while pending, else from S3), then the
 * buffer as it stood when N was read, then results of runs recorded before pages existed.
 */
export async function* readResults(
  redis: Redis,
  keys: RunKeys,
  runId: string,
  pages: ResultPageStore | null,
): AsyncIterable<JobResultRecord> {
  const [count, pendingFlat, buffer] = (await resultsSnapshot.run(
    redis,
    [keys.hash, keys.resultBuffer, keys.pendingPages],
    [],
  )) as [number, string[], string[]];
  const pending = new Map<number, string>();
  for (let i = 0; i < pendingFlat.length; i += 2) pending.set(Number(pendingFlat[i]), pendingFlat[i + 1]!);
  for (let page = 0; page < count; page++) {
    let body = pending.get(page);
    if (body === undefined) {
      if (pages === null) throw new Error(`run ${runId} has results in S3 (page ${page}): reading them needs its result pages`);
      const bytes = await pages.get(page);
      if (bytes === null) {
        throw new Error(
          `result page ${page} of run ${runId} is missing at ${pages.describe(page)}: its results cannot be listed`,
        );
      }
      body = bytes.toString('utf8');
    }
    for (const line of body.split('\n')) if (line !== '') yield JSON.parse(line) as JobResultRecord;
  }
  for (const entry of buffer) yield JSON.parse(entry) as JobResultRecord;
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const entry of await redis.lrange(keys.legacyResults(shard), 0, -1)) yield JSON.parse(entry) as JobResultRecord;
  }
}
