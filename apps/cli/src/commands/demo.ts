import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IMAGE_QUEUE, newRunId, reportKeys } from '@kpress/job-contract';
import { findOrStartRedis, kpressEnvironment, startEmbeddedS3 } from '@kpress/local-services';
import { createS3ObjectStore } from '@kpress/object-store';
import { formatBytes } from '@kpress/format';
import { enqueueRun, formatStatus, objectsUnderPrefix, wakeOnJobEvents, watchRun } from '@kpress/producer';
import { createFailureMemory, createRunStore } from '@kpress/runs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { buildDemoArchive } from '../demo/demo-images.js';
import { prefixHasKeys, unlinkKeysUnder } from '../demo/prefix-keys.js';
import { integerFlag } from '../integer-flag.js';
import { listenForInterruption } from '../interruption.js';
import { paramsFromFlags } from '../param-flags.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const DEMO_HELP = `Usage: kpress demo [--workers N] [--images N] [--k K] [--out DIR] [--keep]

The main job on embedded defaults: starts an S3-compatible server (s3rver) on 127.0.0.1 with a
temporary directory, uses the Redis at REDIS_URL (or starts a private redis-server), uploads the
sample images and generated variants, starts worker processes, runs an enqueue with a progress
bar, prints a summary, copies the outputs to DIR and shuts everything down.

Its Redis keys go under KPRESS_PREFIX if set (which must then hold no key yet), else under a
private kpress-demo-<random> prefix; every key under that prefix is removed when the demo ends.

Options:
  --workers N   worker processes (default 2)
  --images N    generated images besides the 3 samples (default 50)
  --k K         palette size (default 16)
  --out DIR     where to copy the outputs and report; must be empty or not exist
                (default out/demo/ in the repository, replaced at each run)
  --keep        keep the S3 server's temporary directory`;

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

export async function runDemo(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      workers: { type: 'string' },
      images: { type: 'string' },
      k: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout.write(`${DEMO_HELP}\n`);
    return 0;
  }
  const workerCount = integerFlag('workers', values.workers, 2, { min: 1, max: 64 });
  const generated = integerFlag('images', values.images, 50, { min: 0, max: 10_000 });
  const params = paramsFromFlags({ k: values.k });
  const outputDirectory = await prepareOutputDirectory(values.out);
  const say = (line: string): boolean => context.stdout.write(`${line}\n`);
  const started = performance.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  // Ctrl-C stops waiting for the run; the clean-ups below still run, so nothing is left behind.
  const interrupted = listenForInterruption(['SIGINT', 'SIGTERM'], { once: true });
  cleanups.push(() => Promise.resolve(interrupted.stop()));
  try {
    const redisFound = await findOrStartRedis({ url: context.config.redisUrl, allowStart: true });
    cleanups.push(() => redisFound.stop());
    const prefix = context.config.prefixSet ? context.config.prefix : `kpress-demo-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(redisFound.url, { maxRetriesPerRequest: 1 });
    cleanups.push(() => Promise.resolve(redis.disconnect()));
    if (await prefixHasKeys(redis, prefix)) {
      throw new UsageError(
        `KPRESS_PREFIX=${prefix} already holds keys in Redis; the demo removes every key under its prefix when it ends, ` +
          'so give it an unused KPRESS_PREFIX or leave KPRESS_PREFIX unset (a private prefix)',
      );
    }
    // Runs after the workers have stopped (clean-ups run in reverse), so no process re-creates a key.
    cleanups.push(async () => {
      const removed = await unlinkKeysUnder(redis, prefix);
      say(`Removed the demo's ${removed} Redis keys (KPRESS_PREFIX=${prefix})`);
    });
    say(
      redisFound.started
        ? `Redis: none at REDIS_URL, started a private redis-server at ${redisFound.url} (KPRESS_PREFIX=${prefix})`
        : `Redis: ${redisFound.url} (KPRESS_PREFIX=${prefix})`,
    );

    const directory = await mkdtemp(join(tmpdir(), 'kpress-demo-s3-'));
    const s3 = await startEmbeddedS3({ directory });
    cleanups.push(async () => {
      await s3.stop();
      if (!values.keep) await rm(directory, { recursive: true, force: true });
    });
    say(`S3: embedded s3rver at ${s3.endpoint} (data in ${directory})`);
    const store = createS3ObjectStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    cleanups.push(() => Promise.resolve(store.destroy()));
    const [inBucket, outBucket] = ['kpress-demo-in', 'kpress-demo-out'];
    await store.createBucket(inBucket);
    await store.createBucket(outBucket);
    const archive = await buildDemoArchive(join(REPO_ROOT, 'samples'), generated);
    for (const image of archive)
      await store.put(inBucket, `archive/${image.key}`, image.body, { contentType: image.contentType });
    say(`Uploaded ${archive.length} objects (${archive.length - 1} images) to s3://${inBucket}/archive/`);

    const env = { ...process.env, ...kpressEnvironment({ redisUrl: redisFound.url, s3, prefix }), LOG_LEVEL: 'warn' };
    const workers = Array.from({ length: workerCount }, () =>
      spawn(process.execPath, [CLI_MAIN, 'worker', '--concurrency', '1'], { env, stdio: ['ignore', 'inherit', 'inherit'] }),
    );
    cleanups.push(() => stopWorkers(workers));
    say(`Started ${workerCount} worker processes (pids ${workers.map((w) => w.pid).join(', ')})`);

    const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix });
    cleanups.push(() => queue.close());
    const runs = createRunStore(redis, prefix);
    const runId = newRunId();
    const destination = { bucket: outBucket, key: 'compressed/' };
    const progress = await enqueueRun(
      {
        runId,
        objects: objectsUnderPrefix(store, { bucket: inBucket, key: 'archive/' }),
        sourceLabel: `s3://${inBucket}/archive/`,
        sourcePrefix: { bucket: inBucket, key: 'archive/' },
        mayRepeat: false,
        destination,
        params,
        force: false,
        retryFailed: false,
        dryRun: false,
        origin: 'demo',
        maxInputBytes: context.config.maxInputBytes,
      },
      {
        store,
        runs,
        failureMemory: createFailureMemory(redis, prefix),
        queue,
        logger: context.logger,
      },
    );
    say(`Run ${runId}: queued ${progress.queued} jobs (${progress.notImages} object not an image)`);
    const wake = await wakeOnJobEvents(redis, prefix, runId);
    const final = await watchRun(runs, runId, {
      intervalMs: 1_000,
      wake,
      output: context.stderr,
      signal: interrupted.signal,
    }).finally(() => wake.close());
    const seconds = (performance.now() - started) / 1000;

    // The worker that finished the run writes its report just after; wait for it (bounded).
    const report = reportKeys(destination.key, runId);
    for (let waited = 0; waited < 30_000 && (await store.head(outBucket, report.html)) === null; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    let copied = 0;
    for await (const object of store.list(outBucket, destination.key)) {
      const { body } = await store.get(outBucket, object.key, { maxBytes: 64 * 1024 * 1024 });
      const target = join(outputDirectory, object.key.slice(destination.key.length));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, body);
      copied++;
    }
    say('');
    say(formatStatus(final, await runs.failures(runId, 20), Date.now()));
    say('');
    say(
      `Summary: ${final.done} images, ${formatBytes(final.bytesIn)} in → ${formatBytes(final.bytesOut)} out` +
        ` (${(final.bytesIn / Math.max(1, final.bytesOut)).toFixed(2)}× smaller), mean PSNR ${final.meanPsnr?.toFixed(2) ?? '–'} dB, ${seconds.toFixed(1)} s in all`,
    );
    say(`Outputs: s3://${outBucket}/${destination.key} (copied ${copied} objects to ${outputDirectory})`);
    say(`Report:  ${join(outputDirectory, report.html.slice(destination.key.length))} (and report.json beside it)`);
    return final.failed > 0 ? 1 : 0;
  } catch (error) {
    if (!interrupted.signal.aborted) throw error;
    context.stderr.write('kpress demo: interrupted; stopping the workers and removing what the demo made\n');
    return interrupted.exitCode;
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => context.logger.warn({ err: error }, 'demo clean-up failed'));
  }
}

/**
 * The directory the outputs are copied to. The default (out/demo/ in the repository) is the
 * demo's own and replaced at each run; a --out DIR is the user's, so it must be empty or absent.
 */
async function prepareOutputDirectory(out: string | undefined): Promise<string> {
  if (out === undefined) {
    const directory = join(REPO_ROOT, 'out', 'demo');
    await rm(directory, { recursive: true, force: true });
    return directory;
  }
  if (out === '') throw new UsageError('--out must name a directory, received ""');
  const directory = resolve(out);
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return directory;
    throw new UsageError(`--out ${out}: ${code === 'ENOTDIR' ? 'is not a directory' : (error as Error).message}`);
  }
  if (entries.length > 0) throw new UsageError(`--out ${out} must be empty or not exist (it holds ${entries.length} entries)`);
  return directory;
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.exitCode !== null) return resolve();
          worker.once('exit', () => resolve());
          worker.kill('SIGTERM');
        }),
    ),
  );
}
