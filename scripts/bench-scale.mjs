// Scale benchmark (a benchmark, not a test): the figures docs/scaling.md projects from.
//
//   npm run bench:scale                (builds, then runs this script; about 2.5 minutes on 2 cores)
//
// (a) worker throughput: 1, 2 and 4 worker processes (`kpress worker --concurrency 1` each) on the
//     same 200 small photos (256×192 JPEG crops of samples/*.jpg) through an embedded S3 (s3rver)
//     and Redis: images/s, megapixels/s, and CPU utilisation of the workers (/proc utime+stime
//     over wall time × cores). Three rounds of 1, 2, 4 in turn; the 2 ÷ 1 target is the median of
//     the rounds' ratios, because one run on a shared VM moves by ±0.1.
// (b) producer enqueue rate: `enqueueRun` fed 10,000 and 100,000 synthetic source objects (no
//     upload), with a real Queue in Redis and a real ObjectStore whose HEADs (the incremental
//     check, one per object) hit s3rver; with and without `force` (which skips the HEADs). Each
//     run is a child process, so its peak RSS (process.resourceUsage().maxRSS) is its own.
// (c) Redis memory per queued job: INFO used_memory before and after each (b) run, divided by N
//     (BullMQ job hash + wait-list entry + the run's output claim).
// (d) archive size: a back-pressured run (--max-queued, default the producer's) over 100,000 and
//     1,000,000 synthetic objects, drained by no-op workers (scripts/bench/archive-scale.mjs):
//     Redis peak used_memory, the finished run's record, producer peak RSS and jobs/s.
//     BENCH_ARCHIVE (default 100000,1000000; empty skips (d)), BENCH_MAX_QUEUED.
// Prints a table and the targets with PASS/MISS (informational: exits 0 whatever the numbers)
// and writes .bench/bench-scale.json. Every Redis key lives under a unique KPRESS_PREFIX and is
// deleted at the end. Knobs: BENCH_IMAGES (default 200), BENCH_OBJECTS (default 10000,100000),
// BENCH_WORKERS (default 1,2,4; empty skips (a)), BENCH_ROUNDS (default 3), BENCH_WORKER_NODE_ARGS (node flags for the workers,
// e.g. "--cpu-prof --cpu-prof-dir=DIR").
// The (b) children run with PRODUCER_NODE_OPTIONS, the flags the producer is deployed with
// (infra/); one more pair runs with Node's defaults, for information.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { IMAGE_QUEUE, newRunId, resolveParams } from '@kpress/job-contract';
import { findOrStartRedis, RedisServerNotFoundError, kpressEnvironment, startRedisServer } from '@kpress/local-services';
import { createS3ObjectStore } from '@kpress/object-store';
import { DEFAULT_MAX_QUEUED, enqueueRun, objectsUnderPrefix, PRODUCER_NODE_OPTIONS, watchRun } from '@kpress/producer';
import { createFailureMemory, createRunStore } from '@kpress/runs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import sharp from 'sharp';
import { startBenchStore, storeMedium } from './bench/embedded-store.mjs';
import { cpuCheck, formatCpuCheck, processCpuSeconds, stopWorkers, waitForWorkers } from './bench/processes.mjs';
import { median, pairedRoundRatios } from './bench/rounds.mjs';
import { runCleanups } from './bench/cleanups.mjs';
import { scanKeys, usedMemory } from './bench/redis-keys.mjs';
import { archiveScale, archiveTargets, printArchive } from './bench/archive-scale.mjs';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CLI_MAIN = join(REPO_ROOT, 'apps/cli/dist/main.js');
const IMAGE_COUNT = Number(process.env.BENCH_IMAGES ?? 200);
const [WIDTH, HEIGHT] = [256, 192];
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').filter(Boolean).map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OBJECT_COUNTS = (process.env.BENCH_OBJECTS ?? '10000,100000').split(',').filter(Boolean).map(Number);
const ARCHIVE_COUNTS = (process.env.BENCH_ARCHIVE ?? '100000,1000000').split(',').filter(Boolean).map(Number);
const ARCHIVE_MAX_QUEUED = Number(process.env.BENCH_MAX_QUEUED ?? DEFAULT_MAX_QUEUED);
const SCENARIO_TIMEOUT_MS = 240_000;
const [IN_BUCKET, OUT_BUCKET] = ['scale-in', 'scale-out'];
const TARGET_JOBS_PER_SECOND = 5_000;
const TARGET_RSS_RATIO = 1.2;
const TARGET_WORKER_RATIO = 1.7;
const MAX_INPUT_BYTES = 256 * 1024 * 1024;
const WORKER_NODE_ARGS = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

const say = (line = '') => process.stdout.write(`${line}\n`);
const note = (line) => process.stderr.write(`${line}\n`);
const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const logger = pino({ level: 'warn' }, pino.destination(2));

if (process.argv[2] === '--producer-child') await producerChild();
else await main();
process.exit(0);

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = performance.now();
  const basePrefix = `bench-scale-${process.pid}`;
  const cleanups = [];
  let live = [];
  const onSignal = (signal) => {
    for (const child of live) if (child.exitCode === null) child.kill('SIGTERM');
    note(`\n${signal}: stopping`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // A private redis-server, so that INFO memory/cpu/commandstats count this benchmark only;
    // the Redis at REDIS_URL when redis-server is not on PATH.
    let found;
    try {
      const server = await startRedisServer();
      found = { url: server.url, started: true, stop: () => server.stop() };
    } catch (error) {
      if (!(error instanceof RedisServerNotFoundError)) throw error;
      found = await findOrStartRedis({ url: process.env.REDIS_URL || 'redis://127.0.0.1:6379', allowStart: false });
    }
    cleanups.push(() => found.stop());
    const { s3, store, directory, stop: stopStore } = await startBenchStore('kpress-bench-scale-');
    cleanups.push(stopStore);
    const redis = new Redis(found.url, { maxRetriesPerRequest: 1 });
    cleanups.push(() => redis.disconnect());
    cleanups.push(() => deleteKeys(redis, `${basePrefix}*`));
    await store.createBucket(IN_BUCKET);
    await store.createBucket(OUT_BUCKET);
    const env = {
      ...process.env,
      ...kpressEnvironment({ redisUrl: found.url, s3 }),
      LOG_LEVEL: 'warn',
    };
    const cores = cpus().length;
    say(`kpress scale benchmark · node ${process.version} · ${cores} CPUs (${cpus()[0]?.model ?? '?'})`);
    const cpuBefore = await cpuCheck();
    say(`CPU check before: ${formatCpuCheck(cpuBefore)}`);
    say(
      `Redis ${found.started ? `private redis-server at ${found.url}` : found.url} · S3 embedded s3rver at ${s3.endpoint} (${storeMedium(directory)})`,
    );

    // (a) workers
    const images = await buildImages(join(REPO_ROOT, 'samples'), IMAGE_COUNT);
    for (const image of images) await store.put(IN_BUCKET, `photos/${image.key}`, image.body, { contentType: 'image/jpeg' });
    const bytesIn = images.reduce((sum, image) => sum + image.body.length, 0);
    say(`(a) ${images.length} JPEG photos ${WIDTH}×${HEIGHT} (${(bytesIn / 1e6).toFixed(2)} MB) in s3://${IN_BUCKET}/photos/`);
    /** @type {Record<string, any>[]} */
    const workerRows = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const count of WORKER_COUNTS) {
        const scenario = `r${round}-w${count}`;
        const prefix = `${basePrefix}-${scenario}`;
        const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix });
        const workers = Array.from({ length: count }, () =>
          spawn(process.execPath, [...WORKER_NODE_ARGS, CLI_MAIN, 'worker', '--concurrency', '1'], {
            env: { ...env, KPRESS_PREFIX: prefix },
            stdio: ['ignore', 'inherit', 'inherit'],
          }),
        );
        live = workers;
        process.stderr.write(`· round ${round}, ${count} worker${count > 1 ? 's' : ''}: `);
        try {
          await waitForWorkers(queue, workers, count);
          const row = await runWorkers({ count, store, redis, queue, prefix, workers, cores, destination: `${scenario}/` });
          workerRows.push({ round, ...row });
          note(`${row.images} images in ${row.seconds.toFixed(2)} s (${row.imagesPerSecond.toFixed(2)} img/s)`);
        } catch (error) {
          workerRows.push({ round, workers: count, ok: false, error: String(error instanceof Error ? error.message : error) });
          note(`FAILED: ${workerRows[workerRows.length - 1].error}`);
        } finally {
          await stopWorkers(workers);
          live = [];
          await queue.close().catch(() => undefined);
        }
      }
    }

    // (b) + (c) producer
    say(`(b) producer: enqueueRun over synthetic objects, HEADs against s3rver; (c) Redis used_memory per queued job`);
    const producerRows = [];
    const producerModes = [
      { force: true, nodeOptions: PRODUCER_NODE_OPTIONS },
      { force: false, nodeOptions: PRODUCER_NODE_OPTIONS },
      { force: true, nodeOptions: '' },
    ];
    for (const { force, nodeOptions } of producerModes) {
      for (const objects of OBJECT_COUNTS) {
        const prefix = `${basePrefix}-p${objects}-${force ? 'force' : 'head'}${nodeOptions ? '' : '-defaults'}`;
        await redis.call('MEMORY', 'PURGE').catch(() => undefined);
        const before = await usedMemory(redis);
        const statsBefore = await redisStats(redis);
        process.stderr.write(`· ${objects} objects${force ? ', --force' : ', with HEADs'}, ${nodeOptions || 'Node defaults'}: `);
        const child = await runChild({
          ...env,
          NODE_OPTIONS: nodeOptions,
          KPRESS_PREFIX: prefix,
          BENCH_CHILD_OBJECTS: String(objects),
          BENCH_CHILD_FORCE: String(force),
        });
        const after = await usedMemory(redis);
        const statsAfter = await redisStats(redis);
        const sampleJob = await redis.lindex(`${prefix}:${IMAGE_QUEUE}:wait`, 0);
        const jobBytes = sampleJob
          ? Number(await redis.call('MEMORY', 'USAGE', `${prefix}:${IMAGE_QUEUE}:${sampleJob}`, 'SAMPLES', '0'))
          : null;
        const row = {
          objects,
          force,
          nodeOptions,
          ...child,
          redisBytesPerJob: (after - before) / Math.max(1, child.queued),
          redisJobHashBytes: jobBytes,
          redis: perJob(statsBefore, statsAfter, child.queued),
        };
        producerRows.push(row);
        note(
          `${row.queued} queued in ${row.seconds.toFixed(2)} s (${row.jobsPerSecond.toFixed(0)} jobs/s), maxRSS ${(row.maxRssKiB / 1024).toFixed(0)} MiB`,
        );
        await deleteKeys(redis, `${prefix}:*`);
      }
    }

    // (d) archive size, back-pressure on
    const archiveRows = await archiveScale({
      redis,
      redisUrl: found.url,
      basePrefix,
      counts: ARCHIVE_COUNTS,
      maxQueued: ARCHIVE_MAX_QUEUED,
      runProducer: (extra) => runChild({ ...env, NODE_OPTIONS: PRODUCER_NODE_OPTIONS, ...extra }),
      note,
    });

    const targets = [
      ...workerTargets(workerRows),
      ...(producerRows.length > 0 ? computeTargets(producerRows) : []),
      ...archiveTargets(archiveRows),
    ];
    say('');
    printWorkers(workerRows, cores);
    say('');
    if (producerRows.length > 0) printProducer(producerRows);
    say('');
    if (archiveRows.length > 0) printArchive(archiveRows, say);
    say('');
    for (const target of targets)
      say(
        `${target.label.padEnd(72)} ${target.shown.padStart(12)}  ${target.pass === null ? '(info)' : target.pass ? 'PASS' : 'MISS'}`,
      );
    const cpuAfter = await cpuCheck();
    say(`CPU check before: ${formatCpuCheck(cpuBefore)}`);
    say(`CPU check after:  ${formatCpuCheck(cpuAfter)}`);
    const totalSeconds = (performance.now() - started) / 1000;
    say(`Total bench time ${totalSeconds.toFixed(1)} s.`);
    await mkdir(join(REPO_ROOT, '.bench'), { recursive: true });
    const jsonPath = join(REPO_ROOT, '.bench', 'bench-scale.json');
    const result = { date: new Date().toISOString(), node: process.version, cpus: cores, cpuModel: cpus()[0]?.model ?? null };
    Object.assign(result, {
      images: { count: images.length, width: WIDTH, height: HEIGHT, bytes: bytesIn },
      workers: workerRows,
    });
    Object.assign(result, {
      producer: producerRows,
      archive: archiveRows,
      targets,
      cpuCheck: { before: cpuBefore, after: cpuAfter },
      totalSeconds,
    });
    await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    say(`Results written to ${jsonPath}`);
  } finally {
    await runCleanups(cleanups);
  }
}

/** One enqueue + watch of the 200 photos with `count` workers already registered. */
async function runWorkers({ count, store, redis, queue, prefix, workers, cores, destination }) {
  const runs = createRunStore(redis, prefix);
  const runId = newRunId();
  const cpuStart = await Promise.all(workers.map((w) => processCpuSeconds(w.pid)));
  const benchCpuStart = process.cpuUsage();
  const redisStart = await redisStats(redis);
  const started = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SCENARIO_TIMEOUT_MS);
  try {
    const progress = await enqueueRun(
      {
        runId,
        objects: objectsUnderPrefix(store, { bucket: IN_BUCKET, key: 'photos/' }),
        sourceLabel: `s3://${IN_BUCKET}/photos/`,
        sourcePrefix: { bucket: IN_BUCKET, key: 'photos/' },
        mayRepeat: false,
        retryFailed: false,
        destination: { bucket: OUT_BUCKET, key: destination },
        params: resolveParams({}),
        force: false,
        dryRun: false,
        origin: 'bench-scale',
        maxInputBytes: MAX_INPUT_BYTES,
      },
      { store, runs, failureMemory: createFailureMemory(redis, prefix), queue, logger },
    );
    const final = await watchRun(runs, runId, { intervalMs: 50, output: quiet, signal: abort.signal });
    const seconds = (performance.now() - started) / 1000;
    const cpuEnd = await Promise.all(workers.map((w) => processCpuSeconds(w.pid)));
    const benchCpu = process.cpuUsage(benchCpuStart);
    const redisUse = perJob(redisStart, await redisStats(redis), final.done);
    const workerCpuSeconds = cpuEnd.reduce((sum, end, i) => sum + (end ?? 0) - (cpuStart[i] ?? 0), 0);
    const megapixels = (final.done * WIDTH * HEIGHT) / 1e6;
    // Where a job's time goes, from the timings every worker records per image.
    const timings = {};
    for await (const result of runs.results(runId))
      for (const [phase, ms] of Object.entries(result.timingsMs)) timings[phase] = (timings[phase] ?? 0) + ms / final.done;
    // What a finished run keeps in Redis per image (counters, finished ids, results, output claims).
    let runBytes = 0;
    for (const key of await scanKeys(redis, `${prefix}:run:${runId}*`))
      runBytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    return {
      workers: count,
      ok: final.failed === 0 && final.done === progress.queued,
      images: final.done,
      failed: final.failed,
      seconds,
      imagesPerSecond: final.done / seconds,
      megapixelsPerSecond: megapixels / seconds,
      workerCpuSeconds,
      cpuUtilisation: workerCpuSeconds / (seconds * cores),
      benchCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
      loadAverage1m: loadavg()[0],
      meanPsnr: final.meanPsnr,
      runRecordBytesPerImage: runBytes / Math.max(1, final.done),
      meanTimingsMs: timings,
      wallMsPerImagePerWorker: (seconds * 1000 * count) / Math.max(1, final.done),
      redis: redisUse,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** @param {string} name an environment variable the parent always sets for its producer child */
function childEnv(name) {
  const value = process.env[name];
  if (value === undefined) throw new Error(`producer child: environment variable ${name} is not set`);
  return value;
}

/** Child process: one enqueueRun over synthetic objects; prints its figures as JSON on stdout. */
async function producerChild() {
  const objects = Number(process.env.BENCH_CHILD_OBJECTS);
  const force = process.env.BENCH_CHILD_FORCE === 'true';
  // (b) measures the producer alone (nothing drains its jobs): no back-pressure there.
  const maxQueued = Number(process.env.BENCH_CHILD_MAX_QUEUED || objects);
  const prefix = childEnv('KPRESS_PREFIX');
  const redis = new Redis(childEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  const store = createS3ObjectStore({ endpoint: childEnv('S3_ENDPOINT'), region: 'us-east-1', forcePathStyle: true });
  const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix });
  const runs = createRunStore(redis, prefix);
  let heads = 0;
  const counted = { ...store, head: (bucket, key) => (heads++, store.head(bucket, key)) };
  async function* synthetic() {
    for (let i = 0; i < objects; i++) {
      // In key order, as an S3 listing is (the producer checks output collisions from that order).
      const relativeKey = `${String(Math.floor(i / 1000)).padStart(4, '0')}/img-${String(i).padStart(7, '0')}.jpg`;
      const etag = `"${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}${'0'.repeat(24)}"`;
      const key = `archive/${relativeKey}`;
      yield { bucket: IN_BUCKET, key, etag, size: 180_000 + (i % 5000), relativeKey, exists: true, position: key };
    }
  }
  const started = performance.now();
  const progress = await enqueueRun(
    {
      runId: newRunId(),
      objects: synthetic(),
      sourceLabel: `s3://${IN_BUCKET}/archive/`,
      sourcePrefix: { bucket: IN_BUCKET, key: 'archive/' },
      mayRepeat: false,
      retryFailed: false,
      destination: { bucket: OUT_BUCKET, key: 'enqueue/' },
      params: resolveParams({}),
      force,
      dryRun: false,
      origin: 'bench-scale',
      maxInputBytes: MAX_INPUT_BYTES,
      maxQueued,
    },
    {
      store: counted,
      runs,
      failureMemory: createFailureMemory(redis, prefix),
      queue,
      logger,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  await queue.close();
  redis.disconnect();
  store.destroy();
  const usage = process.resourceUsage();
  // Live heap after a full GC: tells a leak (grows with N) from heap the GC simply let grow.
  globalThis.gc?.();
  const heapAfterGcMiB = process.memoryUsage().heapUsed / 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({ queued: progress.queued, heads, seconds, jobsPerSecond: progress.queued / seconds, maxRssKiB: usage.maxRSS, heapAfterGcMiB })}\n`,
  );
}

function runChild(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', SELF, '--producer-child'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '')) : reject(new Error(`producer child exited ${code}`)),
    );
  });
}

/** `count` JPEG crops of WIDTH×HEIGHT from the sample photos, deterministic (q85, varied hue). */
async function buildImages(samples, count) {
  const sources = await Promise.all(
    ['china.jpg', 'flower.jpg'].map(async (name) => {
      const body = await readFile(join(samples, name));
      const { width, height } = await sharp(body).metadata();
      return { body, width, height };
    }),
  );
  const images = [];
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length];
    const scale = 0.5 + ((i * 37) % 50) / 100; // crop 50–99 % of the largest 4:3 window
    const cropWidth = Math.round(Math.min(source.width, (source.height * 4) / 3) * scale);
    const cropHeight = Math.round((cropWidth * 3) / 4);
    const left = (i * 53) % (source.width - cropWidth + 1);
    const top = (i * 29) % (source.height - cropHeight + 1);
    const body = await sharp(source.body)
      .extract({ left, top, width: cropWidth, height: cropHeight })
      .resize(WIDTH, HEIGHT, { fit: 'fill' })
      .modulate({ hue: (i * 47) % 360 })
      .jpeg({ quality: 85 })
      .toBuffer();
    images.push({ key: `p-${String(i).padStart(4, '0')}.jpg`, body });
  }
  return images;
}

/** Redis CPU seconds, commands processed (those run inside Lua scripts included), calls per command. */
async function redisStats(redis) {
  const info = await redis.info('all');
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  /** @type {Record<string, number>} */
  const calls = {};
  for (const match of info.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
  return { cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'), commands: field('total_commands_processed'), calls };
}

function perJob(before, after, jobs) {
  const n = Math.max(1, jobs);
  const byCommand = Object.entries(after.calls)
    .map(
      ([name, calls]) =>
        /** @type {[string, number]} */ ([name, Math.round(((calls - (before.calls[name] ?? 0)) / n) * 100) / 100]),
    )
    .filter(([, perJob]) => perJob >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return {
    cpuMicroseconds: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / n,
    commands: (after.commands - before.commands) / n,
    byCommand: Object.fromEntries(byCommand),
  };
}

async function deleteKeys(redis, pattern) {
  const keys = await scanKeys(redis, pattern);
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
}

/** (a): 2 worker processes ÷ 1 on this machine, per round (the two ran minutes apart at most), and their median. */
function workerTargets(rows) {
  const ratios = roundRatios(rows, 2);
  if (ratios.length === 0) return [];
  const ratio = median(ratios);
  return [
    {
      label: `(a) 2 workers ÷ 1 worker, images/s, median of ${ratios.length} round${ratios.length > 1 ? 's' : ''} (≥ ${TARGET_WORKER_RATIO}×)`,
      value: ratio,
      rounds: ratios,
      shown: `${ratio.toFixed(2)}×`,
      pass: ratio >= TARGET_WORKER_RATIO,
    },
  ];
}

/** images/s of `count` workers ÷ 1 worker in the same round, for every round that has both. */
function roundRatios(rows, count) {
  const ok = (workers) => rows.filter((r) => r.workers === workers && r.ok !== false);
  return pairedRoundRatios(ok(count), ok(1), 'imagesPerSecond');
}

function computeTargets(rows) {
  const targets = [];
  // Targets on the producer as deployed; the Node-defaults rows are information (pass: null).
  const mode = (row) => `${row.force ? '--force' : 'with HEADs'}${row.nodeOptions ? '' : ', Node defaults'}`;
  for (const row of rows) {
    targets.push({
      label: `(b) enqueue rate, ${row.objects} objects, ${mode(row)} (≥ ${TARGET_JOBS_PER_SECOND} jobs/s)`,
      value: row.jobsPerSecond,
      shown: `${row.jobsPerSecond.toFixed(0)} jobs/s`,
      pass: row.nodeOptions ? row.jobsPerSecond >= TARGET_JOBS_PER_SECOND : null,
    });
  }
  for (const key of [...new Set(rows.map(mode))]) {
    const pair = rows.filter((r) => mode(r) === key).sort((a, b) => a.objects - b.objects);
    if (pair.length < 2) continue;
    const ratio = pair.at(-1).maxRssKiB / pair[0].maxRssKiB;
    targets.push({
      label: `(b) peak RSS ${pair.at(-1).objects} ÷ ${pair[0].objects} objects, ${key} (≤ ${TARGET_RSS_RATIO}×)`,
      value: ratio,
      shown: `${ratio.toFixed(2)}×`,
      pass: pair[0].nodeOptions ? ratio <= TARGET_RSS_RATIO : null,
    });
  }
  return targets;
}

function table(columns, rows) {
  say(columns.map(([title, width]) => title.padStart(width)).join('  '));
  say(columns.map(([, width]) => '-'.repeat(width)).join('  '));
  for (const row of rows) say(columns.map(([, width, get]) => String(get(row)).padStart(width)).join('  '));
}

function printWorkers(rows, cores) {
  const f = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');
  say(
    `(a) workers (--concurrency 1 each), ${rows.find((r) => r.images)?.images ?? IMAGE_COUNT} images ${WIDTH}×${HEIGHT}, K 16, ${cores} cores`,
  );
  table(
    [
      ['round', 5, (r) => r.round],
      ['workers', 7, (r) => r.workers],
      ['images', 6, (r) => (r.ok === false && r.images === undefined ? 'FAIL' : `${r.images}${r.failed ? `+${r.failed}✗` : ''}`)],
      ['seconds', 7, (r) => f(r.seconds, 2)],
      ['images/s', 8, (r) => f(r.imagesPerSecond, 1)],
      ['MP/s', 5, (r) => f(r.megapixelsPerSecond, 2)],
      ['speed-up', 8, (r) => f(r.imagesPerSecond / rows.find((o) => o.round === r.round && o.workers === 1)?.imagesPerSecond, 2)],
      ['worker CPU s', 12, (r) => f(r.workerCpuSeconds, 1)],
      ['CPU util', 8, (r) => (Number.isFinite(r.cpuUtilisation) ? `${(r.cpuUtilisation * 100).toFixed(0)} %` : '–')],
      ['bench CPU s', 11, (r) => f(r.benchCpuSeconds, 1)],
      ['load 1m', 7, (r) => f(r.loadAverage1m, 2)],
      ['run B/img', 9, (r) => f(r.runRecordBytesPerImage, 0)],
      ['Redis cmd/img', 13, (r) => f(r.redis?.commands, 1)],
    ],
    rows,
  );
  say(`Redis cmd/img: every command Redis ran (inside Lua scripts included) per image, enqueue and watcher included.`);
  say(`  with 1 worker: ${breakdown(rows[0]?.redis?.byCommand)}`);
  for (const count of [...new Set(rows.map((r) => r.workers))].filter((c) => c > 1)) {
    const ratios = roundRatios(rows, count);
    if (ratios.length > 1)
      say(
        `${count} ÷ 1 workers by round: ${ratios.map((x) => `${x.toFixed(2)}×`).join(', ')}; median ${median(ratios).toFixed(2)}×`,
      );
  }
  say('Mean ms per image as the workers timed it (phases), and wall ms per image per worker:');
  for (const r of rows.filter((row) => row.meanTimingsMs)) {
    const phases = Object.entries(r.meanTimingsMs).map(([phase, ms]) => `${phase} ${ms.toFixed(1)}`);
    say(
      `  round ${r.round}, ${r.workers} worker${r.workers > 1 ? 's' : ''}: ${phases.join(', ')}; wall ${r.wallMsPerImagePerWorker.toFixed(1)}`,
    );
  }
}

function breakdown(byCommand) {
  return Object.entries(byCommand ?? {})
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

function printProducer(rows) {
  say('(b) producer enqueue (child process per run) and (c) Redis memory per queued job');
  table(
    [
      ['objects', 7, (r) => r.objects],
      ['mode', 7, (r) => (r.force ? '--force' : 'HEADs')],
      ['NODE_OPTIONS', 23, (r) => r.nodeOptions || '(Node defaults)'],
      ['HEADs', 6, (r) => r.heads],
      ['seconds', 7, (r) => r.seconds.toFixed(2)],
      ['jobs/s', 6, (r) => r.jobsPerSecond.toFixed(0)],
      ['peak RSS MiB', 12, (r) => (r.maxRssKiB / 1024).toFixed(0)],
      ['heap after GC MiB', 17, (r) => r.heapAfterGcMiB.toFixed(1)],
      ['Redis B/job', 11, (r) => r.redisBytesPerJob.toFixed(0)],
      ['job hash B', 10, (r) => r.redisJobHashBytes ?? '–'],
      ['Redis cmd/job', 13, (r) => r.redis.commands.toFixed(1)],
      ['Redis µs/job', 12, (r) => r.redis.cpuMicroseconds.toFixed(0)],
    ],
    rows,
  );
  const forced = rows.find((r) => r.force);
  if (forced) say(`Redis commands per queued job (--force, inside Lua scripts included): ${breakdown(forced.redis.byCommand)}`);
}
