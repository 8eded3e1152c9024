import type { S3Location } from '@kpress/job-contract';
import { MissingBucketError, type ObjectStore } from '@kpress/object-store';
import { UsageError } from './usage-error.js';

/**
 * Fails with a usage error when the bucket of `location` does not exist, naming the argument it
 * came from (`label`, e.g. "--to s3://b/out/"). Lists at most one key under the prefix: the
 * permission a run needs anyway, where HeadBucket may be denied to a prefix-scoped policy.
 */
export async function checkBucketExists(store: ObjectStore, location: S3Location, label: string): Promise<void> {
  const listing = store.list(location.bucket, location.key)[Symbol.asyncIterator]();
  try {
    await listing.next();
  } catch (error) {
    if (error instanceof MissingBucketError) throw new UsageError(`${error.message} (${label})`);
    throw error;
  } finally {
    await listing.return?.();
  }
}
