import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type RedisCluster, startRedisCluster } from '@kpress/local-services';
import { Redis } from 'ioredis';
import { eventually, type PipelineHarness, startPipelineHarness } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

interface RunJson {
  runId: string;
  state: string;
  listed: number;
  jobs: number;
  done: number;
  failed: number;
}

const IMAGES_PER_RUN = 4;

/**
 * Issue 15: runs spread over several shards (KPRESS_PREFIX=a,b,c). Each run is placed on one
 * shard, one worker takes jobs from all of them, and status/runs find every run on its shard.
 */
describe('shards: KPRESS_PREFIX lists several prefixes', () => {
  let h: PipelineHarness;
  let cluster: RedisCluster;
  const id = randomBytes(4).toString('hex');

  before(async () => {
    [h, cluster] = await Promise.all([startPipelineHarness(), startRedisCluster()]);
    const photos = await makePhotos(IMAGES_PER_RUN);
    for (const folder of ['a', 'b', 'c']) {
      for (const photo of photos)
        await h.store.put(h.source, `${folder}/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    }
  });
  after(async () => {
    await h.close();
    await cluster.stop();
  });

  const statusOf = async (runId: string, env: Record<string, string>): Promise<RunJson | undefined> => {
    const result = await h.cli(['status', runId, '--json'], env);
    return result.stdout === '' ? undefined : (JSON.parse(result.stdout) as RunJson);
  };

  /** Queues one run per folder, run i on shard i, and follows them all to `done`. */
  async function runOnEveryShard(env: Record<string, string>, folders: readonly string[], tag: string): Promise<string[]> {
    const runIds = folders.map((folder) => `${tag}-${folder}`);
    for (const [i, folder] of folders.entries()) {
      const enqueue = await h.cli(
        [
          'enqueue',
          `s3://${h.source}/${folder}/`,
          '--to',
          `s3://${h.destination}/${tag}/${folder}/`,
          '--run-id',
          runIds[i]!,
          '--shard',
          String(i),
        ],
        env,
      );
      assert.equal(enqueue.code, 0, enqueue.stderr);
    }
    for (const runId of runIds) {
      const final = await eventually(
        async () => {
          const run = await statusOf(runId, env);
          return run?.state === 'done' ? run : undefined;
        },
        60_000,
        `run ${runId} to complete`,
      );
      assert.deepEqual([final.listed, final.jobs, final.done, final.failed], [IMAGES_PER_RUN, IMAGES_PER_RUN, IMAGES_PER_RUN, 0]);
    }
    const runs = await h.cli(['runs', '--json'], env);
    assert.equal(runs.code, 0, runs.stderr);
    const listed = (JSON.parse(runs.stdout) as RunJson[]).map((run) => run.runId);
    for (const runId of runIds) assert.ok(listed.includes(runId), `kpress runs lists ${runId} (listed: ${listed.join(', ')})`);
    return runIds;
  }

  it('on one Redis, two prefixes: runs placed on each complete, one worker serving both; status, runs, report, cancel and retry find them', async () => {
    const prefixes = [`kpress-shard-${id}-0`, `kpress-shard-${id}-1`];
    const env = { KPRESS_PREFIX: prefixes.join(',') };
    const worker = h.startWorker(['--concurrency', '2'], env);
    try {
      const runIds = await runOnEveryShard(env, ['a', 'b'], 'single');
      for (const [i, runId] of runIds.entries()) {
        assert.equal(
          await h.redis.hget(`${prefixes[i]}:run:${runId}`, 'runId'),
          runId,
          `run ${runId} lives under ${prefixes[i]}`,
        );
        assert.equal(await h.redis.exists(`${prefixes[1 - i]}:run:${runId}`), 0, `run ${runId} is not under ${prefixes[1 - i]}`);
      }
      // The other run commands find a run on the second shard too.
      const onSecond = runIds[1]!;
      const report = await h.cli(['report', onSecond, '--json'], env);
      assert.equal(report.code, 0, report.stderr);
      assert.equal((JSON.parse(report.stdout) as { written: boolean }).written, true, 'its report was written when it completed');
      const cancel = await h.cli(['cancel', onSecond], env);
      assert.equal(cancel.code, 0, cancel.stderr);
      assert.match(cancel.stdout, new RegExp(`run ${onSecond} is complete already: nothing to cancel`));
      const retry = await h.cli(['retry', onSecond], env);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stdout, new RegExp(`run ${onSecond} has no failed images: nothing to retry`));
      const unknown = await h.cli(['status', 'no-such-run'], env);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, new RegExp(`no run no-such-run in Redis \\(KPRESS_PREFIX=${prefixes.join(',')}\\)`));
      const outOfRange = await h.cli(['enqueue', `s3://${h.source}/a/`, '--to', `s3://${h.destination}/x/`, '--shard', '2'], env);
      assert.equal(outOfRange.code, 2);
      assert.match(outOfRange.stderr, /--shard must be an integer between 0 and 1/);
    } finally {
      await worker.stop();
      for (const prefix of prefixes) {
        const keys = await h.redis.keys(`${prefix}:*`);
        if (keys.length > 0) await h.redis.del(...keys);
      }
    }
  });

  it('on a Redis Cluster, three hash tags on three masters: each run on its own master, all complete, status and runs find them', async () => {
    // Tags whose slots three different masters serve.
    const tags: string[] = [];
    const masters = new Set<number>();
    for (let n = 0; tags.length < 3 && n < 200; n++) {
      const tag = `{kp${n}-${id}}`;
      const master = await cluster.masterOf(`${tag}:x`);
      if (!masters.has(master)) {
        masters.add(master);
        tags.push(tag);
      }
    }
    assert.equal(tags.length, 3, 'three tags on three masters');
    const env = { REDIS_CLUSTER_NODES: cluster.nodes, KPRESS_PREFIX: tags.join(',') };
    const worker = h.startWorker(['--concurrency', '2'], env);
    try {
      const runIds = await runOnEveryShard(env, ['a', 'b', 'c'], 'cluster');
      const holders = new Set<number>();
      for (const [i, runId] of runIds.entries()) {
        const runKey = `${tags[i]}:run:${runId}`;
        const master = await cluster.masterOf(runKey);
        const node = new Redis({ host: '127.0.0.1', port: master, maxRetriesPerRequest: 1 });
        try {
          assert.equal(await node.hget(runKey, 'runId'), runId, `run ${runId} lives on :${master}`);
        } finally {
          node.disconnect();
        }
        holders.add(master);
      }
      assert.equal(holders.size, 3, 'the three runs are on three masters');
    } finally {
      await worker.stop();
    }
  });
});
