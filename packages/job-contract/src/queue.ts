/** The one BullMQ queue of image jobs; KPRESS_PREFIX namespaces it (and every run key). */
export const IMAGE_QUEUE = 'images';

/** Attempts for transient failures (network, S3 5xx/SlowDown, Redis blips); permanent ones get one. */
export const JOB_ATTEMPTS = 5;

/** Exponential backoff with jitter between attempts, from this first delay. */
export const BACKOFF_DELAY_MS = 1000;

/**
 * A job's default deadline (--job-timeout): a 100 MP photo compresses in about 10 s on one core;
 * 30× that. Here, not in the worker's pool, so that `kpress compress` reads it without loading
 * the quantizer.
 */
export const DEFAULT_JOB_TIMEOUT_MS = 300_000;

/** Completed and failed jobs kept in Redis, bounded (runs keep their own counts and failures). */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 10_000 } as const;
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 50_000 } as const;
