import { parseS3Url, resultPageKey } from '@kpress/job-contract';
import { MissingObjectError, type ObjectStore } from '@kpress/object-store';
import type { ResultPageStore } from '@kpress/runs';

/** A result page is ≈ 1,000 JSON lines; one far larger than this is not a page kpress wrote. */
const MAX_PAGE_BYTES = 64 * 2 ** 20;

/**
 * A run's result pages in S3, beside its report (`_kpress/runs/RUN_ID/results/`): where the
 * run store spills per-image results so they do not stay in Redis (RunStore.spillResults).
 * `destination` is the run's destination URL (s3://bucket/prefix).
 */
export function resultPageStore(store: ObjectStore, destination: string, runId: string): ResultPageStore {
  const { bucket, key: prefix } = parseS3Url(destination, `destination of run ${runId}`);
  const keyOf = (page: number): string => resultPageKey(prefix, runId, page);
  return {
    describe: (page) => `s3://${bucket}/${keyOf(page)}`,
    async put(page, body) {
      await store.put(bucket, keyOf(page), body, { contentType: 'application/x-ndjson' });
    },
    async get(page) {
      try {
        return (await store.get(bucket, keyOf(page), { maxBytes: MAX_PAGE_BYTES })).body;
      } catch (error) {
        if (error instanceof MissingObjectError) return null;
        throw error;
      }
    },
  };
}
