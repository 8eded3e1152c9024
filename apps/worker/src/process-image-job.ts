import { hostname } from 'node:os';
import { buildMetadata } from '@kpress/compress';
import {
  decodeOwner,
  encodeOwner,
  type FailureCode,
  type ImageJob,
  failureIdentity,
  isRememberedFailure,
  JOB_HASH_METADATA,
  jobHash,
  metadataKeyFor,
  OUTCOME_METADATA,
  OWNER_METADATA,
  parseImageJob,
} from '@kpress/job-contract';
import type { ObjectStore } from '@kpress/object-store';
import { completeRun } from '@kpress/reports';
import type { FailureMemory, ResultPageStore, RunSnapshot, RunStore } from '@kpress/runs';
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { CpuPool } from './cpu-pool.js';
import { provenanceProblem } from './job-provenance.js';
import { classifyFailure, InvalidJobError, JobRefusedError } from './failure.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface ProcessorDeps {
  readonly store: ObjectStore;
  readonly runs: RunStore;
  /** Where permanent failures are remembered, so incremental runs skip them. */
  readonly failureMemory: FailureMemory;
  readonly pool: CpuPool;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly maxPixels: number;
  readonly maxInputBytes: number;
  /** Buckets a job may read from and write to (KPRESS_ALLOWED_BUCKETS). Default: any. */
  readonly allowedBuckets?: ReadonlySet<string> | null;
  /** Where a run's results go once a page is full (see RunStore.spillResults); absent: they wait for the report. */
  readonly resultPages?: (run: RunSnapshot) => ResultPageStore;
}

/** The small result BullMQ stores for a completed job. */
export interface ImageJobResult {
  readonly output: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly psnr: number | null;
  /** True when no image was written: it would not have been smaller than its source (--skip-if-larger). */
  readonly keptOriginal?: boolean;
  /** True when the job's run was cancelled before it ran (nothing was written). */
  readonly cancelled?: boolean;
}

/**
 * Processes one image job: download → compress (in a worker thread) → upload the image → upload
 * its metadata document → count the outcome in the run. Permanent failures are counted and end
 * the job at once (UnrecoverableError); transient ones are rethrown for BullMQ to retry, and
 * counted only when the last attempt fails.
 */
export function createImageJobProcessor(deps: ProcessorDeps): (job: Job) => Promise<ImageJobResult> {
  const host = hostname();
  return async (job) => {
    let data: ImageJob;
    try {
      data = parseImageJob(job.data);
    } catch (error) {
      deps.logger.error({ jobId: job.id, err: error }, 'rejected job with invalid data');
      throw new UnrecoverableError(new InvalidJobError((error as Error).message).message);
    }
    const jobId = job.id ?? 'unknown';
    const source = `s3://${data.source.bucket}/${data.source.key}`;
    const log = deps.logger.child({ runId: data.runId, jobId, key: data.source.key });
    // Read once: the bucket refusal, the cancel check and the provenance check all look at it.
    const runRecord = await deps.runs.get(data.runId);
    const refused = [data.source.bucket, data.output.bucket].find((b) => deps.allowedBuckets && !deps.allowedBuckets.has(b));
    if (refused !== undefined) return refuseBucket(data, jobId, source, refused, runRecord !== null, log);
    if (runRecord?.state === 'cancelled') {
      // Cancelled after it was queued: it never runs, and is counted as cancelled.
      const finish = await deps.runs.finishJob(data.runId, jobId, { status: 'cancelled' }, data.ordinal);
      if (finish.completedRun) await completeRun(deps, data.runId);
      log.info('run cancelled: job not run');
      return { output: '', bytesIn: 0, bytesOut: 0, psnr: null, cancelled: true };
    }
    if (data.output.bucket !== data.source.bucket || data.output.key !== data.source.key) {
      // A job that does not belong to its run touches nothing, not even the run's counters.
      const problem = provenanceProblem(data, runRecord);
      if (problem !== null) {
        log.error({ code: 'invalid-job', reason: problem }, 'rejected a job that does not belong to its run');
        deps.metrics.failed.inc();
        throw new UnrecoverableError(`invalid-job: ${source}: ${problem}`);
      }
    }
    await deps.runs.startJob(data.runId, jobId);
    try {
      checkOutputIsNotSource(data);
      return await run(data, jobId, runRecord, log);
    } catch (error) {
      const verdict = classifyFailure(error);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (verdict.permanent || lastAttempt) {
        const reason = verdict.permanent ? verdict.reason : `gave up after ${job.attemptsMade + 1} attempts: ${verdict.reason}`;
        log.warn({ code: verdict.code, reason }, 'image failed');
        deps.metrics.failed.inc();
        const finish = await deps.runs.finishJob(
          data.runId,
          jobId,
          { status: 'failed', failure: { key: source, code: verdict.code, reason } },
          data.ordinal,
        );
        if (verdict.permanent && isRememberedFailure(verdict.code)) {
          await deps.failureMemory.remember(failureIdentity(data), {
            hash: jobHash(data),
            source,
            code: verdict.code,
            reason,
            runId: data.runId,
            at: Date.now(),
          });
        }
        if (finish.completedRun) await completeRun(deps, data.runId);
        if (verdict.permanent) throw new UnrecoverableError(`${source}: ${reason}`);
      } else {
        deps.metrics.retried.inc();
        log.warn({ code: verdict.code, reason: verdict.reason, attempt: job.attemptsMade + 1 }, 'transient failure, will retry');
      }
      throw error;
    }
  };

  /** A job outside the allowed buckets is never executed: no S3 access, counted in its run if there is one. */
  async function refuseBucket(
    data: ImageJob,
    jobId: string,
    source: string,
    bucket: string,
    runExists: boolean,
    log: Logger,
  ): Promise<never> {
    const reason = `bucket ${bucket} is not in KPRESS_ALLOWED_BUCKETS: job refused`;
    log.warn({ code: 'bucket-not-allowed', reason }, 'image failed');
    deps.metrics.failed.inc();
    if (runExists) {
      const finish = await deps.runs.finishJob(
        data.runId,
        jobId,
        { status: 'failed', failure: { key: source, code: 'bucket-not-allowed' satisfies FailureCode, reason } },
        data.ordinal,
      );
      if (finish.completedRun) await completeRun(deps, data.runId);
    }
    throw new UnrecoverableError(`bucket-not-allowed: ${source}: ${reason}`);
  }

  /** Whoever queued the job, its output never replaces its own source. */
  function checkOutputIsNotSource(data: ImageJob): void {
    if (data.output.bucket === data.source.bucket && data.output.key === data.source.key) {
      throw new JobRefusedError('unsafe-output', 'its output key is the source key itself: the source would be overwritten');
    }
  }

  /** The first source to write an output owns it: another source never overwrites it. */
  async function checkOwner(data: ImageJob, source: string): Promise<void> {
    const head = await deps.store.head(data.output.bucket, metadataKeyFor(data.output.key));
    const owner = head === null ? null : decodeOwner(head.metadata);
    if (owner !== null && owner !== source) {
      throw new JobRefusedError(
        'output-collision',
        `its output s3://${data.output.bucket}/${data.output.key} belongs to ${owner}; not overwritten`,
      );
    }
  }

  async function run(data: ImageJob, jobId: string, runRecord: RunSnapshot | null, log: Logger): Promise<ImageJobResult> {
    const started = performance.now();
    const source = `s3://${data.source.bucket}/${data.source.key}`;
    await checkOwner(data, source);
    const { body, etag } = await deps.store.get(data.source.bucket, data.source.key, { maxBytes: deps.maxInputBytes });
    const download = elapsed(started);
    const compressed = await deps.pool.compress(body, data.params, deps.maxPixels);
    // The hash uses the version actually read, so a later enqueue sees this object as done.
    const hash = jobHash({ ...data, source: { ...data.source, etag } });
    const uploadStarted = performance.now();
    const kept = compressed.outcome === 'kept-original';
    if (!kept) {
      const contentType = compressed.output.format === 'webp' ? 'image/webp' : 'image/png';
      await deps.store.put(data.output.bucket, data.output.key, Buffer.from(compressed.output.bytes), {
        contentType,
        metadata: { [JOB_HASH_METADATA]: hash, [OWNER_METADATA]: encodeOwner(source) },
      });
    }
    const metadata = buildMetadata(compressed, {
      runId: data.runId,
      jobId,
      source: { bucket: data.source.bucket, key: data.source.key, etag },
      output: { bucket: data.output.bucket, key: data.output.key },
      params: data.params,
      extraTimingsMs: {},
      worker: { host, pid: process.pid },
      createdAt: new Date(),
    });
    const upload = elapsed(uploadStarted);
    const timingsMs = { download, ...compressed.timingsMs, upload, total: elapsed(started) };
    // Written after the image: its presence means the image is complete.
    await deps.store.put(
      data.output.bucket,
      metadataKeyFor(data.output.key),
      Buffer.from(JSON.stringify({ ...metadata, timingsMs }, null, 2)),
      {
        contentType: 'application/json',
        metadata: {
          [JOB_HASH_METADATA]: hash,
          [OWNER_METADATA]: encodeOwner(source),
          ...(kept ? { [OUTCOME_METADATA]: 'kept-original' } : {}),
        },
      },
    );
    const megapixels = (compressed.source.width * compressed.source.height) / 1e6;
    deps.metrics.observe(timingsMs, megapixels, body.length, compressed.output.bytes.length);
    const finish = await deps.runs.finishJob(
      data.runId,
      jobId,
      {
        status: kept ? 'kept-original' : 'done',
        result: {
          key: data.source.key,
          output: data.output.key,
          bytesIn: body.length,
          bytesOut: compressed.output.bytes.length,
          psnr: metadata.quality.psnr,
          megapixels,
          timingsMs,
          k: compressed.target?.k ?? data.params.k,
        },
      },
      data.ordinal,
    );
    log.info(
      {
        bytesIn: body.length,
        bytesOut: compressed.output.bytes.length,
        psnr: metadata.quality.psnr,
        k: compressed.target?.k ?? data.params.k,
        ms: timingsMs.total,
      },
      kept ? 'image kept original: the output would not be smaller' : 'image done',
    );
    if (finish.pageReady && runRecord !== null && deps.resultPages) {
      // A full page of the run's results moves to S3; if that fails, they wait in Redis for the next.
      await deps.runs
        .spillResults(data.runId, deps.resultPages(runRecord))
        .catch((error: unknown) => log.warn({ err: error }, "could not write a page of the run's results to S3; kept in Redis"));
    }
    if (finish.completedRun) await completeRun(deps, data.runId);
    return {
      output: `s3://${data.output.bucket}/${data.output.key}`,
      bytesIn: body.length,
      bytesOut: compressed.output.bytes.length,
      psnr: metadata.quality.psnr,
      ...(kept ? { keptOriginal: true } : {}),
    };
  }
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}
