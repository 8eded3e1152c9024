import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startRedisServer } from '@kpress/local-services';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makeMosaic, makePhotos } from './support/test-images.js';

/** The exit code (or signal) of `worker`, or 'still running' after `ms`. */
async function exitWithin(worker: WorkerProcess, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  try {
    return await Promise.race([worker.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The end of a worker's output, for assertion messages (a worker retrying Redis logs a lot). */
function tail(worker: WorkerProcess): string {
  return worker.output().slice(-3000);
}

/** Waits until the worker's output matches `pattern`. */
async function waitForOutput(worker: WorkerProcess, pattern: RegExp, what: string): Promise<void> {
  await eventually(() => Promise.resolve(pattern.test(worker.output()) || undefined), 30_000, what);
}

async function listKeys(h: PipelineHarness, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of h.store.list(bucket, prefix)) keys.push(object.key);
  return keys;
}

describe('worker: start-up order and bounded shutdown', () => {
  let h: PipelineHarness;

  before(async () => {
    h = await startPipelineHarness();
  });

  after(async () => {
    await h.close();
  });

  it('--help states the start-up order, the exit codes and the stop bound', async () => {
    const help = await h.cli(['worker', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--drain-timeout \+ 10 seconds/);
    assert.match(help.stdout, /a port in use: exit 2/);
  });

  it('a taken --port: exit 2 naming --port and the port, before any job is taken', async () => {
    const [photo] = await makePhotos(1);
    await h.store.put(h.source, 'port/one.jpg', photo!.body, { contentType: 'image/jpeg' });
    const enqueue = await h.cli(['enqueue', `s3://${h.source}/port/`, '--to', `s3://${h.destination}/port/`]);
    assert.equal(enqueue.code, 0, enqueue.stderr);

    const occupier: Server = createServer();
    await new Promise<void>((resolve) => occupier.listen(0, '0.0.0.0', resolve));
    const { port } = occupier.address() as { port: number };
    const worker = h.startWorker(['--concurrency', '1', '--port', String(port)], { LOG_LEVEL: 'info' });
    try {
      // Before the fix the worker took jobs with no health server, and never exited.
      const code = await exitWithin(worker, 20_000);
      assert.equal(code, 2, tail(worker));
      assert.match(worker.output(), new RegExp(`kpress worker: --port ${port} is already in use`));
      assert.doesNotMatch(worker.output(), /worker started/);
    } finally {
      await worker.stop('SIGKILL');
      await new Promise((resolve) => occupier.close(resolve));
    }
    const { waiting, active, completed, failed } = await h.queue.getJobCounts('waiting', 'active', 'completed', 'failed');
    assert.deepEqual({ waiting, active, completed, failed }, { waiting: 1, active: 0, completed: 0, failed: 0 });
    assert.deepEqual(await listKeys(h, h.destination, 'port/'), [], 'no output written');
    await h.queue.drain();
  });

  it('SIGTERM during start-up: an orderly stop, exit 0', async () => {
    // Debug logs: the first line says the signal handlers are in place; SIGTERM right after it
    // lands while Redis connects and the compress processes warm up.
    const worker = h.startWorker(['--concurrency', '2'], { LOG_LEVEL: 'debug' });
    await waitForOutput(worker, /"msg":"starting"/, 'the worker to start');
    worker.child.kill('SIGTERM');
    assert.equal(await exitWithin(worker, 15_000), 0, tail(worker));
    assert.match(worker.output(), /worker stopped/);
  });

  it('SIGTERM with Redis gone: exits 0 within --drain-timeout + 10 s (nothing was in flight)', async () => {
    const redis = await startRedisServer();
    try {
      const worker = h.startWorker(['--concurrency', '1', '--drain-timeout', '2'], {
        REDIS_URL: redis.url,
        LOG_LEVEL: 'info',
      });
      await waitForOutput(worker, /worker started/, 'the worker to start');
      await redis.stop();
      // Let the connections notice and start reconnecting.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const signalled = Date.now();
      worker.child.kill('SIGTERM');
      const code = await exitWithin(worker, 12_000);
      assert.notEqual(code, 'still running', `alive 12 s after SIGTERM: ${tail(worker)}`);
      assert.equal(code, 0, tail(worker));
      assert.ok(Date.now() - signalled < 12_000);
    } finally {
      await redis.stop();
    }
  });

  it('SIGTERM with a job still running at the deadline: exit 1 (the job is handed back)', async () => {
    const mosaic = await makeMosaic(4000, 3000);
    await h.store.put(h.source, 'busy/big.jpg', mosaic, { contentType: 'image/jpeg' });
    const worker = h.startWorker(['--concurrency', '1', '--drain-timeout', '0'], { LOG_LEVEL: 'info' });
    await waitForOutput(worker, /worker started/, 'the worker to start');
    const enqueue = await h.cli(['enqueue', `s3://${h.source}/busy/`, '--to', `s3://${h.destination}/busy/`, '--k', '256']);
    assert.equal(enqueue.code, 0, enqueue.stderr);
    const runId = enqueue.stdout.trim();
    await eventually(async () => ((await h.runs.get(runId))?.active ?? 0) > 0 || undefined, 30_000, 'the job to be active');
    worker.child.kill('SIGTERM');
    assert.equal(await exitWithin(worker, 12_000), 1, tail(worker));
    assert.match(worker.output(), /abandon/);
    assert.equal((await h.runs.get(runId))?.done, 0, 'the job was not finished by this worker');
  });
});
