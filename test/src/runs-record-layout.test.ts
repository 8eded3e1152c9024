import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type RedisServer } from '@kpress/local-services';
import { createS3ObjectStore, type ObjectStore } from '@kpress/object-store';
import { resultPageStore } from '@kpress/reports';
import { createRunStore, RESULT_PAGE_SIZE, type ResultPageStore, type RunStore } from '@kpress/runs';
import { Redis } from 'ioredis';
import { startTestS3, type TestS3 } from './support/s3-for-tests.js';

const BUCKET = 'layout-out';

/** Every key of the run and what Redis says each costs (MEMORY USAGE). */
async function runFootprint(redis: Redis, prefix: string, runId: string): Promise<{ keys: string[]; bytes: number }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:run:${runId}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  let bytes = 0;
  for (const key of keys) bytes += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  return { keys: keys.sort(), bytes };
}

function result(i: number) {
  return {
    key: `in/${String(i).padStart(7, '0')}.jpg`,
    output: `out/${String(i).padStart(7, '0')}.png`,
    bytesIn: 1000,
    bytesOut: 300,
    psnr: 30,
    megapixels: 0.05,
    timingsMs: { quantize: 1 },
  };
}

/** A run of `images` jobs, each finished once as a worker does it (spilling full pages). */
async function finishedRun(runs: RunStore, runId: string, images: number, pages: ResultPageStore): Promise<void> {
  await runs.create({ runId, source: 's3://in/', destination: `s3://${BUCKET}/out/`, params: {}, origin: 'enqueue' });
  await runs.addJobs(runId, images);
  await runs.closeListing(runId, images);
  for (let i = 0; i < images; i++) {
    const finish = await runs.finishJob(runId, `${runId}-${i}`, { status: 'done', result: result(i) }, i);
    assert.ok(finish.counted);
    if (finish.pageReady) await runs.spillResults(runId, pages);
  }
}

async function resultKeys(runs: RunStore, runId: string, pages: ResultPageStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const r of runs.results(runId, pages)) keys.push(r.key);
  return keys;
}

describe('run records: bounded in Redis whatever the run’s size (results in S3 pages, one bit per job)', () => {
  let server: RedisServer;
  let redis: Redis;
  let s3: TestS3;
  let store: ObjectStore;

  before(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    s3 = await startTestS3();
    store = createS3ObjectStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    await store.createBucket(BUCKET);
  });
  after(async () => {
    redis.disconnect();
    store.destroy();
    await server.stop();
    await s3.stop();
  });

  it('a finished run keeps the same keys and about N/8 bytes more in Redis at 10× the images, and lists every result once', async () => {
    const runs = createRunStore(redis, 'layout');
    const footprints = [];
    for (const [runId, images] of [
      ['small', 300],
      ['large', 3000],
    ] as const) {
      const pages = resultPageStore(store, `s3://${BUCKET}/out/`, runId);
      await finishedRun(runs, runId, images, pages);
      await runs.spillResults(runId, pages, { all: true }); // what the report writer does first
      const keys = await resultKeys(runs, runId, pages);
      assert.equal(keys.length, images, 'every result listed');
      assert.equal(new Set(keys).size, images, 'no result listed twice');
      const snapshot = await runs.get(runId);
      assert.equal(snapshot?.done, images);
      assert.equal(snapshot?.complete, true);
      footprints.push(await runFootprint(redis, 'layout', runId));
    }
    const [small, large] = footprints as [{ keys: string[]; bytes: number }, { keys: string[]; bytes: number }];
    const suffixes = (f: { keys: string[] }, runId: string) => f.keys.map((k) => k.slice(`layout:run:${runId}`.length));
    assert.deepEqual(suffixes(large, 'large'), suffixes(small, 'small'), 'the same keys per run at either size');
    assert.deepEqual(suffixes(large, 'large'), ['', ':finished-bits']);
    // 2,700 more images: ≈ 340 bytes of bitmap, nothing else per image (a set or list would be ≥ 100 KB).
    assert.ok(
      large.bytes - small.bytes < 2_000,
      `the 3,000-image run costs ${large.bytes} B, the 300-image run ${small.bytes} B`,
    );
    assert.ok(large.bytes < 4_000, `a finished 3,000-image run costs ${large.bytes} B of Redis`);
    // The pages are in S3, beside the report.
    const listed = [];
    for await (const object of store.list(BUCKET, 'out/_kpress/runs/large/results/')) listed.push(object.key);
    assert.equal(listed.length, Math.ceil(3000 / RESULT_PAGE_SIZE));
  });

  it('a job finished twice (its worker died after counting) is counted and listed once', async () => {
    const runs = createRunStore(redis, 'layout-twice');
    const runId = 'twice';
    const pages = resultPageStore(store, `s3://${BUCKET}/out/`, runId);
    await runs.create({ runId, source: 's3://in/', destination: `s3://${BUCKET}/out/`, params: {}, origin: 'enqueue' });
    await runs.addJobs(runId, 2);
    await runs.closeListing(runId, 2);
    assert.equal((await runs.finishJob(runId, 'j0', { status: 'done', result: result(0) }, 0)).counted, true);
    assert.equal((await runs.finishJob(runId, 'j0', { status: 'done', result: result(0) }, 0)).counted, false);
    const last = await runs.finishJob(runId, 'j1', { status: 'failed', failure: { key: 'k1', code: 'c', reason: 'r' } }, 1);
    assert.deepEqual(last, { counted: true, completedRun: true, pageReady: false });
    const snapshot = await runs.get(runId);
    assert.equal(snapshot?.done, 1);
    assert.equal(snapshot?.failed, 1);
    assert.deepEqual(await resultKeys(runs, runId, pages), [result(0).key]);
  });

  it('a writer that dies between writing a page to S3 and marking it written loses nothing and lists nothing twice', async () => {
    const runs = createRunStore(redis, 'layout-crash');
    const runId = 'crash';
    const real = resultPageStore(store, `s3://${BUCKET}/out/`, runId);
    const images = RESULT_PAGE_SIZE + 10;
    await runs.create({ runId, source: 's3://in/', destination: `s3://${BUCKET}/out/`, params: {}, origin: 'enqueue' });
    await runs.addJobs(runId, images);
    await runs.closeListing(runId, images);
    let pageReady = false;
    for (let i = 0; i < images; i++) {
      const finish = await runs.finishJob(runId, `j${i}`, { status: 'done', result: result(i) }, i);
      pageReady ||= finish.pageReady;
    }
    assert.ok(pageReady, 'a full page was offered for spilling');
    // The writer's process dies right after its PUT: the page stays pending in Redis.
    const dying: ResultPageStore = {
      ...real,
      put: async (page, body) => {
        await real.put(page, body);
        throw new Error('killed after the PUT');
      },
    };
    await assert.rejects(runs.spillResults(runId, dying), /killed after the PUT/);
    assert.ok(await real.get(0), 'page 0 is in S3');
    assert.equal(await redis.hlen(`layout-crash:run:${runId}:result-pages-pending`), 2, 'and still pending in Redis');
    const before = await resultKeys(runs, runId, real);
    assert.equal(before.length, images);
    assert.equal(new Set(before).size, images, 'the pending page is read once, from Redis');

    // A later spill (not `all`) leaves a page taken moments ago to its writer; the report's takes it.
    assert.equal(await runs.spillResults(runId, real), 0);
    assert.equal(await runs.spillResults(runId, real, { all: true }), 2, 'page 0 again (same lines), and the last 10');
    assert.equal(await redis.exists(`layout-crash:run:${runId}:result-pages-pending`), 0);
    assert.equal(await redis.exists(`layout-crash:run:${runId}:result-buffer`), 0);
    const after = await resultKeys(runs, runId, real);
    assert.deepEqual(after.sort(), before.sort(), 'the same results, each once');
    const snapshot = await runs.get(runId);
    assert.equal(snapshot?.done, images, 'counted once each');
  });

  it('a page taken by a writer that died before its PUT is read from Redis, then written by the report', async () => {
    const runs = createRunStore(redis, 'layout-lost');
    const runId = 'lost';
    const real = resultPageStore(store, `s3://${BUCKET}/out/`, runId);
    await runs.create({ runId, source: 's3://in/', destination: `s3://${BUCKET}/out/`, params: {}, origin: 'enqueue' });
    await runs.addJobs(runId, 5);
    await runs.closeListing(runId, 5);
    for (let i = 0; i < 5; i++) await runs.finishJob(runId, `j${i}`, { status: 'done', result: result(i) }, i);
    const dead: ResultPageStore = { ...real, put: () => Promise.reject(new Error('killed before the PUT')) };
    await assert.rejects(runs.spillResults(runId, dead, { pageSize: 3 }), /killed before the PUT/);
    assert.equal(await real.get(0), null, 'nothing in S3');
    assert.equal((await resultKeys(runs, runId, real)).length, 5, 'the taken page is read from Redis');
    await runs.spillResults(runId, real, { all: true });
    assert.ok(await real.get(0));
    assert.deepEqual(
      (await resultKeys(runs, runId, real)).sort(),
      [0, 1, 2, 3, 4].map((i) => result(i).key),
    );
  });
});
