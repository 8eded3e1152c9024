import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { IMAGE_QUEUE } from '@kpress/job-contract';
import { createS3ObjectStore, type ObjectStore } from '@kpress/object-store';
import { createRunStore, type RunStore } from '@kpress/runs';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { getTestRedis, type TestRedis } from './redis-for-tests.js';
import { CLI } from './repo.js';
import { startTestS3, type TestS3 } from './s3-for-tests.js';

/** Polling until a check holds, shared with the local services (their cluster start and failover). */
export { eventually } from '@kpress/local-services';

const execFileAsync = promisify(execFile);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Real services for one test file: an S3 server, a Redis, a queue prefix and buckets of its own,
 * and helpers to run the kpress CLI and worker processes against them.
 */
export interface PipelineHarness {
  readonly s3: TestS3;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly store: ObjectStore;
  readonly redis: Redis;
  readonly queue: Queue;
  readonly runs: RunStore;
  /** Source and destination buckets of this harness, created empty. */
  readonly source: string;
  readonly destination: string;
  /** Environment for kpress processes (REDIS_URL, KPRESS_PREFIX, S3_*, credentials). */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** A bucket name unique to this harness. */
  bucket(name: string): string;
  cli(args: string[], extra?: Record<string, string>): Promise<CliResult>;
  startWorker(args?: string[], extra?: Record<string, string>): WorkerProcess;
  /** BullMQ's event stream of this harness's image queue, ready to listen; closed by close(). */
  queueEvents(): Promise<QueueEvents>;
  close(): Promise<void>;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function startPipelineHarness(): Promise<PipelineHarness> {
  const s3 = await startTestS3();
  let redisService: TestRedis;
  try {
    redisService = await getTestRedis();
  } catch (error) {
    await s3.stop();
    throw error;
  }
  const id = randomBytes(4).toString('hex');
  const prefix = `kpress-test-${id}`;
  const store = createS3ObjectStore({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const redis = new Redis(redisService.url, { maxRetriesPerRequest: null });
  const queue = new Queue(IMAGE_QUEUE, { connection: redis, prefix });
  const workers: WorkerProcess[] = [];
  const listeners: QueueEvents[] = [];
  const [source, destination] = [`src-${id}`, `dst-${id}`];
  await store.createBucket(source);
  await store.createBucket(destination);

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    REDIS_URL: redisService.url,
    KPRESS_PREFIX: prefix,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: 'warn',
    ...extra,
  });

  return {
    s3,
    redisUrl: redisService.url,
    prefix,
    store,
    redis,
    queue,
    runs: createRunStore(redis, prefix),
    source,
    destination,
    env,
    bucket: (name) => `${name}-${id}`,
    async cli(args, extra) {
      try {
        const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
          env: env(extra),
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
    startWorker(args = [], extra) {
      const child = spawn(process.execPath, [CLI, 'worker', ...args], { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | string>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
      );
      const worker: WorkerProcess = {
        child,
        output: () => output,
        exited,
        stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          // A worker that does not stop within 40 s is killed, so a test can never hang on it.
          const escalate = setTimeout(() => child.kill('SIGKILL'), 40_000);
          return exited.finally(() => clearTimeout(escalate));
        },
      };
      workers.push(worker);
      return worker;
    },
    async queueEvents() {
      const events = new QueueEvents(IMAGE_QUEUE, { connection: { url: redisService.url }, prefix });
      listeners.push(events);
      await events.waitUntilReady();
      return events;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop('SIGKILL')));
      await Promise.all(listeners.map((events) => events.close()));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      store.destroy();
      await redisService.stop();
      await s3.stop();
    },
  };
}
