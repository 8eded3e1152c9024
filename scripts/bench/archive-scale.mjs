// bench:scale part (d), archive size: a run over N synthetic source objects (a fast fake listing:
// no S3 listing, no images stored) with back-pressure on (--max-queued), drained by no-op
// workers (BullMQ Workers in this process that record each job as done with a small result, as a
// real worker does, without compressing, spilling each full page of results as a worker does to
// a page store that keeps only their size: S3 is not what (d) measures). Measures Redis peak used_memory while the run goes,
// what the finished run leaves in Redis, the producer's peak RSS (it runs in a child process)
// and its enqueue rate when workers keep up.
import { IMAGE_QUEUE, KEEP_COMPLETED } from '@kpress/job-contract';
import { createRunStore } from '@kpress/runs';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { scanKeys, usedMemory } from './redis-keys.mjs';

/** No-op workers: this many BullMQ Workers × this concurrency, enough to outrun the producer here. */
const DRAINERS = 4;
const DRAINER_CONCURRENCY = 100;
const SAMPLE_MS = 100;

/**
 * One back-pressured run per object count. `runProducer(env)` runs the producer child with the
 * given extra environment and resolves with its JSON figures (see bench-scale.mjs producerChild).
 */
export async function archiveScale({ redis, redisUrl, basePrefix, counts, maxQueued, runProducer, note }) {
  const rows = [];
  for (const objects of counts) {
    const prefix = `${basePrefix}-archive-${objects}`;
    await redis.call('MEMORY', 'PURGE').catch(() => undefined);
    const baseline = await usedMemory(redis);
    let peak = baseline;
    const sampler = setInterval(() => {
      usedMemory(redis).then(
        (bytes) => (peak = Math.max(peak, bytes)),
        () => undefined,
      );
    }, SAMPLE_MS);
    const drainConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const runs = createRunStore(drainConnection, prefix);
    let finished = 0;
    let spilledBytes = 0;
    let runId = null;
    // Where a worker would write result pages (S3): (d) measures Redis, so only their size is kept.
    const pages = {
      describe: (page) => `result page ${page} (discarded by the benchmark)`,
      put: async (_page, body) => void (spilledBytes += body.length),
      get: async () => null,
    };
    const drainers = Array.from(
      { length: DRAINERS },
      () =>
        new Worker(
          IMAGE_QUEUE,
          async (job) => {
            runId = job.data.runId;
            const finish = await runs.finishJob(
              job.data.runId,
              /** @type {string} a queued job always has an id */ (job.id),
              {
                status: 'done',
                result: {
                  key: `s3://${job.data.source.bucket}/${job.data.source.key}`,
                  output: `s3://${job.data.output.bucket}/${job.data.output.key}`,
                  bytesIn: job.data.source.bytes,
                  bytesOut: Math.round(job.data.source.bytes / 3),
                  psnr: 31.5,
                  megapixels: 0.05,
                  timingsMs: { decode: 1, quantize: 1, encode: 1 },
                },
              },
              job.data.ordinal,
            );
            if (finish.pageReady) await runs.spillResults(job.data.runId, pages);
            finished++;
          },
          {
            connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
            prefix,
            concurrency: DRAINER_CONCURRENCY,
            removeOnComplete: KEEP_COMPLETED,
          },
        ),
    );
    process.stderr.write(`· ${objects} objects, --max-queued ${maxQueued}, no-op workers: `);
    try {
      const producer = await runProducer({
        KPRESS_PREFIX: prefix,
        BENCH_CHILD_OBJECTS: String(objects),
        BENCH_CHILD_FORCE: 'true',
        BENCH_CHILD_MAX_QUEUED: String(maxQueued),
      });
      const deadline = Date.now() + 600_000;
      while (finished < producer.queued && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      clearInterval(sampler);
      await Promise.all(drainers.map((worker) => worker.close()));
      // What the report writer does first when the run completes: the last results leave Redis.
      if (runId !== null) await runs.spillResults(runId, pages, { all: true });
      const queueBytes = await bytesOf(redis, `${prefix}:${IMAGE_QUEUE}*`);
      const runBytes = await bytesOf(redis, `${prefix}:run:*`);
      const row = {
        objects,
        maxQueued,
        queued: producer.queued,
        done: finished,
        seconds: producer.seconds,
        jobsPerSecond: producer.jobsPerSecond,
        producerMaxRssMiB: producer.maxRssKiB / 1024,
        producerHeapAfterGcMiB: producer.heapAfterGcMiB,
        redisPeakBytes: peak - baseline,
        redisAfterBytes: (await usedMemory(redis)) - baseline,
        queueKeysBytes: queueBytes,
        runRecordBytes: runBytes,
        runRecordBytesPerImage: runBytes / Math.max(1, finished),
        resultPagesBytes: spilledBytes,
        // What back-pressure bounds: the peak without the finished run's record (which grows with the run).
        redisPeakLessRunRecordBytes: peak - baseline - runBytes,
      };
      rows.push(row);
      note(
        `${row.queued} queued, ${row.done} done in ${row.seconds.toFixed(1)} s (${row.jobsPerSecond.toFixed(0)} jobs/s), ` +
          `Redis peak +${mib(row.redisPeakBytes)} MiB, run record ${mib(row.runRecordBytes)} MiB, producer maxRSS ${row.producerMaxRssMiB.toFixed(0)} MiB`,
      );
    } finally {
      clearInterval(sampler);
      await Promise.all(drainers.map((worker) => worker.close().catch(() => undefined)));
      drainConnection.disconnect();
      await deleteKeys(redis, `${prefix}:*`);
    }
  }
  return rows;
}

/** (d)'s targets: peak Redis at the largest count ≤ 1.2 × at the smallest, producer RSS flat. */
export function archiveTargets(rows) {
  if (rows.length < 2) return [];
  const [small, large] = [rows[0], rows.at(-1)];
  const memoryRatio = large.redisPeakBytes / small.redisPeakBytes;
  const rssRatio = large.producerMaxRssMiB / small.producerMaxRssMiB;
  const backlogRatio = large.redisPeakLessRunRecordBytes / small.redisPeakLessRunRecordBytes;
  return [
    {
      label: `(d) Redis peak less the run record, ${large.objects} ÷ ${small.objects} objects ≤ 1.2`,
      shown: backlogRatio.toFixed(2),
      pass: backlogRatio <= 1.2,
    },
    {
      label: `(d) Redis peak used_memory, ${large.objects} ÷ ${small.objects} objects (back-pressure on) ≤ 1.2`,
      shown: memoryRatio.toFixed(2),
      pass: memoryRatio <= 1.2,
    },
    {
      label: `(d) producer peak RSS, ${large.objects} ÷ ${small.objects} objects ≤ 1.2`,
      shown: rssRatio.toFixed(2),
      pass: rssRatio <= 1.2,
    },
    {
      label: `(d) finished run record in Redis at ${large.objects} images (KiB; per image in bytes)`,
      shown: `${kib(large.runRecordBytes)} (${large.runRecordBytesPerImage.toFixed(2)})`,
      pass: null,
    },
  ];
}

export function printArchive(rows, say) {
  say('(d) archive size: back-pressured run over synthetic objects, drained by no-op workers');
  say('objects    max-queued  jobs/s   producer RSS  Redis peak   less record  run record    per image  result pages');
  for (const r of rows)
    say(
      `${String(r.objects).padEnd(10)} ${String(r.maxQueued).padEnd(11)} ${r.jobsPerSecond.toFixed(0).padStart(6)}   ` +
        `${r.producerMaxRssMiB.toFixed(0).padStart(6)} MiB   ${mib(r.redisPeakBytes).padStart(6)} MiB   ` +
        `${mib(r.redisPeakLessRunRecordBytes).padStart(6)} MiB   ` +
        `${kib(r.runRecordBytes).padStart(7)} KiB  ${r.runRecordBytesPerImage.toFixed(2).padStart(6)} B   ` +
        `${mib(r.resultPagesBytes ?? 0).padStart(6)} MiB`,
    );
}

function kib(bytes) {
  return (bytes / 2 ** 10).toFixed(1);
}

function mib(bytes) {
  return (bytes / 2 ** 20).toFixed(1);
}

async function bytesOf(redis, pattern) {
  let total = 0;
  for (const key of await scanKeys(redis, pattern))
    total += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  return total;
}

async function deleteKeys(redis, pattern) {
  const keys = await scanKeys(redis, pattern);
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
}
