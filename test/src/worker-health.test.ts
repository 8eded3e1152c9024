import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findFreePort, startRedisServer, type RedisServer } from '@kpress/local-services';
import { createRunStore } from '@kpress/runs';
import { Redis } from 'ioredis';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

describe('worker /metrics, /healthz and /readyz', () => {
  let h: PipelineHarness;
  let redis: RedisServer;
  let port: number;
  let worker: WorkerProcess;
  let source: string;
  let destination: string;

  before(async () => {
    h = await startPipelineHarness();
    // A Redis of this test's own, never the shared one: the test stops and restarts it.
    redis = await startRedisServer({ appendOnly: true });
    port = await findFreePort();
    source = h.source;
    destination = h.destination;
    for (const photo of await makePhotos(5))
      await h.store.put(source, `in/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    worker = h.startWorker(['--concurrency', '2', '--port', String(port)], { REDIS_URL: redis.url });
  });

  after(async () => {
    await worker.stop();
    await redis.stop();
    await h.close();
  });

  const get = async (path: string): Promise<{ status: number; body: string }> => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
      return { status: response.status, body: await response.text() };
    } catch {
      return { status: 0, body: '' };
    }
  };

  it("/metrics counts completed jobs equal to the run's done count", async () => {
    // The health server starts before the worker takes jobs; it is ready only once it does.
    await eventually(async () => ((await get('/readyz')).status === 200 ? true : undefined), 20_000, 'the worker to be ready');
    assert.equal((await get('/healthz')).status, 200);
    const result = await h.cli(['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--wait'], {
      REDIS_URL: redis.url,
    });
    assert.equal(result.code, 0, result.stderr);
    const client = new Redis(redis.url);
    try {
      const run = await createRunStore(client, h.prefix).get(result.stdout.trim());
      const metrics = (await get('/metrics')).body;
      const completed = Number(/^kpress_jobs_completed_total (\d+)$/m.exec(metrics)?.[1]);
      assert.equal(completed, run?.done);
      assert.equal(run?.done, 5);
      assert.match(metrics, /kpress_phase_duration_seconds_count\{phase="quantize"\} 5/);
      // BullMQ marks a job completed just after the worker has counted it in the run: poll.
      await eventually(
        async () => (/kpress_queue_jobs\{state="completed"\} 5$/m.test((await get('/metrics')).body) ? true : undefined),
        10_000,
        'the queue gauge to count 5 completed jobs',
      );
      assert.match(metrics, /kpress_megapixels_processed_total 0\.\d+/);
      // prom-client's default metrics: the event-loop lag that job-lock renewal depends on.
      assert.match(metrics, /^nodejs_eventloop_lag_seconds \d/m);
      assert.match(metrics, /^process_resident_memory_bytes \d/m);
    } finally {
      client.disconnect();
    }
  });

  it('/healthz turns unhealthy when Redis stops and healthy again after it restarts', async () => {
    assert.equal((await get('/healthz')).status, 200);
    await redis.kill('SIGKILL');
    await eventually(async () => ((await get('/healthz')).status === 503 ? true : undefined), 20_000, '/healthz to report 503');
    assert.equal((await get('/readyz')).status, 503);
    await redis.restart();
    await eventually(async () => ((await get('/healthz')).status === 200 ? true : undefined), 30_000, '/healthz to recover');
    await eventually(async () => ((await get('/readyz')).status === 200 ? true : undefined), 30_000, '/readyz to recover');
  });
});
