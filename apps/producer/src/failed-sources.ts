import { parseS3Url, type S3Location } from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import type { JobFailureRecord } from '@kpress/runs';
import type { SourceObject } from './source-objects.js';

/**
 * The objects a run failed on, looked up again (HEAD: their ETag may have changed), keeping the
 * relative paths the run gave them: relative to its source prefix, or the whole key for a
 * manifest run (`sourcePrefix` null), so a retry writes the same output keys.
 */
export async function* objectsFromFailures(
  store: ObjectStore,
  failures: readonly JobFailureRecord[],
  sourcePrefix: S3Location | null,
  concurrency = 16,
): AsyncIterable<SourceObject> {
  for (let start = 0; start < failures.length; start += concurrency) {
    const found = await Promise.all(
      failures.slice(start, start + concurrency).map(async (failure, i): Promise<SourceObject> => {
        // The failure's index in the list: a retry run's checkpoint (a retry is not resumable).
        const position = String(start + i);
        const location = parseS3Url(failure.key, `failed source ${failure.key}`);
        const relativeKey = sourcePrefix ? location.key.slice(sourcePrefix.key.length).replace(/^\/+/, '') : location.key;
        const head = await store.head(location.bucket, location.key);
        return head
          ? { ...head, relativeKey, exists: true, position }
          : { bucket: location.bucket, key: location.key, etag: '', size: 0, relativeKey, exists: false, position };
      }),
    );
    yield* found;
  }
}
