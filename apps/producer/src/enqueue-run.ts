import type { CompressParams } from '@kpress/compress';
import {
  BACKOFF_DELAY_MS,
  type ImageJob,
  JOB_ATTEMPTS,
  JOB_HASH_METADATA,
  jobHash,
  jobIdFor,
  looksLikeImage,
  metadataKeyFor,
  outputKeyFor,
  type S3Location,
  UnsafeKeyError,
} from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import type { RunStore } from '@kpress/runs';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { SourceObject } from './source-objects.js';

export interface EnqueueRequest {
  readonly runId: string;
  readonly objects: AsyncIterable<SourceObject>;
  /** Human form of the source, for the run record (s3://… or manifest path). */
  readonly sourceLabel: string;
  readonly destination: S3Location;
  readonly params: CompressParams;
  /** Re-do objects whose output already exists for the same version and parameters. */
  readonly force: boolean;
  /** List and check only: nothing is queued or recorded. */
  readonly dryRun: boolean;
  /** "enqueue" or "schedule:NAME". */
  readonly origin: string;
  /** Objects larger than this are not images kpress will read; they count as failed at once. */
  readonly maxInputBytes: number;
  /** Source buckets jobs may read (KPRESS_ALLOWED_BUCKETS); objects elsewhere fail. Default: any. */
  readonly allowedBuckets?: ReadonlySet<string> | null;
}

export interface EnqueueProgress {
  listed: number;
  queued: number;
  skipped: number;
  notImages: number;
  failed: number;
}

export interface EnqueueDeps {
  readonly store: ObjectStore;
  readonly runs: RunStore;
  readonly queue: Queue;
  readonly logger: Logger;
  /** Called with running counts after each batch. */
  readonly onProgress?: (progress: Readonly<EnqueueProgress>) => void;
  /** Called for each object a dry run would queue or skip. */
  readonly onDryRunEntry?: (entry: {
    action: 'queue' | 'skip' | 'fail';
    source: string;
    output: string | null;
    reason?: string;
  }) => void;
  /** Called by the enqueue that completed the run (every job already finished, or none queued). */
  readonly onRunComplete: (runId: string) => Promise<void>;
}

/** Objects examined per batch: bounded memory, one addBulk per batch. */
export const BATCH_SIZE = 500;
/** HEAD requests in flight at once when checking for existing outputs. */
export const HEAD_CONCURRENCY = 64;

interface Candidate {
  readonly object: SourceObject;
  readonly job: ImageJob | null;
  readonly hash: string | null;
  /** Set when the object fails before any job runs (unsafe key, too large, output collision). */
  failure: { code: string; reason: string } | null;
}

/**
 * Queues one job per image object of the source, in bounded batches, skipping objects already
 * done with the same version and parameters (unless forced) and reporting output-key
 * collisions and unusable keys as failures of the run instead of overwriting anything.
 */
export async function enqueueRun(request: EnqueueRequest, deps: EnqueueDeps): Promise<EnqueueProgress> {
  const { runId, destination, params } = request;
  const progress: EnqueueProgress = { listed: 0, queued: 0, skipped: 0, notImages: 0, failed: 0 };
  if (!request.dryRun) {
    await deps.runs.create({
      runId,
      source: request.sourceLabel,
      destination: `s3://${destination.bucket}/${destination.key}`,
      params: { ...params },
      origin: request.origin,
    });
  }
  const extension = `.${params.format}`;
  let batch: SourceObject[] = [];
  // A destination with no objects at all has no outputs to skip: its first run needs no HEADs.
  const destinationEmpty = request.force ? true : await isEmpty(deps.store, destination);

  const processBatch = async (): Promise<void> => {
    const objects = batch;
    batch = [];
    const candidates = objects.map((object) => prepare(object));
    await checkExisting(candidates);
    await claimOutputs(candidates);
    const jobs = candidates.filter((c) => c.job && !c.failure && !skipped.has(c));
    const failures = candidates.filter((c) => c.failure);
    progress.listed += objects.length;
    progress.skipped += skipped.size;
    if (request.dryRun) {
      for (const c of candidates) {
        const output = c.job?.output.key ?? null;
        const source = `s3://${c.object.bucket}/${c.object.key}`;
        if (c.failure) deps.onDryRunEntry?.({ action: 'fail', source, output, reason: c.failure.reason });
        else if (skipped.has(c))
          deps.onDryRunEntry?.({ action: 'skip', source, output, reason: 'already done with these parameters' });
        else if (c.job) deps.onDryRunEntry?.({ action: 'queue', source, output });
      }
      progress.queued += jobs.length;
      progress.failed += failures.length;
    } else {
      await deps.runs.addListing(runId, {
        listed: objects.length,
        skipped: skipped.size,
        notImages: candidates.filter((c) => !c.job && !c.failure).length,
      });
      if (jobs.length > 0) {
        await deps.queue.addBulk(
          jobs.map((c) => ({
            name: 'image',
            data: c.job,
            opts: {
              jobId: jobIdFor(runId, c.hash!),
              attempts: JOB_ATTEMPTS,
              backoff: { type: 'exponential', delay: BACKOFF_DELAY_MS, jitter: 0.5 },
            },
          })),
        );
        await deps.runs.addJobs(runId, jobs.length);
        progress.queued += jobs.length;
      }
      for (const c of failures) await recordFailure(c);
    }
    progress.notImages += candidates.filter((c) => !c.job && !c.failure).length;
    skipped.clear();
    deps.onProgress?.(progress);
  };

  const skipped = new Set<Candidate>();

  function prepare(object: SourceObject): Candidate {
    if (object.exists && !looksLikeImage(object.key)) return { object, job: null, hash: null, failure: null };
    let outputKey: string;
    try {
      outputKey = outputKeyFor(object.relativeKey, destination.key, extension);
    } catch (error) {
      const code = error instanceof UnsafeKeyError ? error.code : 'unsafe-key';
      return { object, job: null, hash: null, failure: { code, reason: (error as Error).message } };
    }
    if (request.allowedBuckets && !request.allowedBuckets.has(object.bucket)) {
      return {
        object,
        job: null,
        hash: null,
        failure: { code: 'bucket-not-allowed', reason: `bucket ${object.bucket} is not in KPRESS_ALLOWED_BUCKETS` },
      };
    }
    if (object.size > request.maxInputBytes) {
      return {
        object,
        job: null,
        hash: null,
        failure: {
          code: 'too-large',
          reason: `the object is ${object.size} bytes, more than the limit of ${request.maxInputBytes}`,
        },
      };
    }
    const job: ImageJob = {
      version: 1,
      runId,
      source: { bucket: object.bucket, key: object.key, etag: object.etag, bytes: object.size },
      output: { bucket: destination.bucket, key: outputKey },
      params,
    };
    return { object, job, hash: jobHash(job), failure: null };
  }

  async function checkExisting(candidates: Candidate[]): Promise<void> {
    if (request.force || destinationEmpty) return;
    const toCheck = candidates.filter((c) => c.job && !c.failure && c.object.exists);
    for (let i = 0; i < toCheck.length; i += HEAD_CONCURRENCY) {
      await Promise.all(
        toCheck.slice(i, i + HEAD_CONCURRENCY).map(async (c) => {
          const head = await deps.store.head(c.job!.output.bucket, metadataKeyFor(c.job!.output.key));
          if (head?.metadata[JOB_HASH_METADATA] === c.hash) skipped.add(c);
        }),
      );
    }
  }

  async function claimOutputs(candidates: Candidate[]): Promise<void> {
    const claimants = candidates.filter((c) => c.job && !c.failure && !skipped.has(c));
    const owners = request.dryRun
      ? claimants.map(() => null)
      : await deps.runs.claimOutputs(
          runId,
          claimants.map((c) => ({ output: c.job!.output.key, source: `s3://${c.object.bucket}/${c.object.key}` })),
        );
    claimants.forEach((c, i) => {
      const owner = owners[i];
      if (owner) {
        c.failure = {
          code: 'output-collision',
          reason: `its output s3://${destination.bucket}/${c.job!.output.key} is already the output of ${owner}; not overwritten`,
        };
      }
    });
  }

  async function recordFailure(c: Candidate): Promise<void> {
    await deps.runs.addJobs(runId, 1);
    const source = `s3://${c.object.bucket}/${c.object.key}`;
    deps.logger.warn({ runId, key: c.object.key, code: c.failure!.code }, c.failure!.reason);
    await deps.runs.finishJob(runId, `enqueue-${c.hash ?? c.object.key}`, {
      status: 'failed',
      failure: { key: source, ...c.failure! },
    });
    progress.failed++;
  }

  for await (const object of request.objects) {
    batch.push(object);
    if (batch.length >= BATCH_SIZE) await processBatch();
  }
  if (batch.length > 0) await processBatch();

  if (!request.dryRun) {
    // Every counted job: queued ones, and those that failed before being queued.
    const completed = await deps.runs.closeListing(runId, progress.queued + progress.failed);
    if (completed) await deps.onRunComplete(runId);
  }
  return progress;
}

async function isEmpty(store: ObjectStore, location: S3Location): Promise<boolean> {
  const listing = store.list(location.bucket, location.key)[Symbol.asyncIterator]();
  const first = await listing.next();
  await listing.return?.();
  return first.done === true;
}
