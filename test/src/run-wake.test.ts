import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IMAGE_QUEUE, jobIdFor } from '@kpress/job-contract';
import { wakeOnJobEvents } from '@kpress/producer';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { getTestRedis, type TestRedis } from './support/redis-for-tests.js';

// `enqueue --wait` and `status --wait` learn of a run's end from its jobs' events, not the next poll.
describe("run wake: job events end a watcher's wait", () => {
  const prefix = `wake-test-${process.pid}`;
  let testRedis: TestRedis;
  let client: Redis;
  let queue: Queue;
  let worker: Worker;

  before(async () => {
    testRedis = await getTestRedis();
    // A connection like the CLI's (no retries, no offline queue): the wake duplicates it for its blocking read.
    client = new Redis(testRedis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    await client.connect();
    queue = new Queue(IMAGE_QUEUE, { connection: { url: testRedis.url }, prefix });
    worker = new Worker(
      IMAGE_QUEUE,
      async (job) => ((job.data as { fail?: boolean }).fail ? Promise.reject(new Error('no')) : 'ok'),
      {
        connection: { url: testRedis.url, maxRetriesPerRequest: null },
        prefix,
      },
    );
    await worker.waitUntilReady();
  });
  after(async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    client.disconnect();
    await testRedis.stop();
  });

  it("ends a wait as soon as one of the run's jobs completes or fails, long before the poll's timeout", async () => {
    const wake = await wakeOnJobEvents(client, prefix, 'run-a');
    try {
      for (const fail of [false, true]) {
        const started = Date.now();
        const waiting = wake.next(60_000, undefined);
        await queue.add('image', { fail }, { jobId: jobIdFor('run-a', `job-${String(fail)}`), attempts: 1 });
        await waiting;
        const waited = Date.now() - started;
        assert.ok(
          waited < 20_000,
          `a ${fail ? 'failed' : 'completed'} job woke the watcher after ${waited} ms (poll timeout 60 s)`,
        );
      }
    } finally {
      await wake.close();
    }
  });

  it("waits out its timeout when only another run's jobs finish", async () => {
    const wake = await wakeOnJobEvents(client, prefix, 'run-b');
    try {
      const other = queue.add('image', {}, { jobId: jobIdFor('run-bb', 'job') });
      const started = Date.now();
      await wake.next(1_500, undefined);
      await other;
      assert.ok(Date.now() - started >= 1_450, `woke after ${Date.now() - started} ms for another run's job`);
    } finally {
      await wake.close();
    }
  });

  it('ends a wait when its signal aborts (Ctrl-C)', async () => {
    const wake = await wakeOnJobEvents(client, prefix, 'run-c');
    try {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);
      await wake.next(60_000, controller.signal);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await wake.close();
    }
  });
});
