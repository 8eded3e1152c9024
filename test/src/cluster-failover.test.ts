import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type RedisCluster, startRedisCluster } from '@kpress/local-services';
import { Redis } from 'ioredis';
import { eventually, type PipelineHarness, startPipelineHarness } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

interface RunJson {
  state: string;
  listed: number;
  jobs: number;
  done: number;
  failed: number;
}

const IMAGES = 40;
const LISTED_IMAGES = 24;

/**
 * Issue 15: kpress on a real Redis Cluster (3 masters, 3 replicas of redis-server on loopback),
 * with the master that holds the run killed with SIGKILL mid-run: its replica takes over and
 * the run completes with every image done once.
 */
describe('Redis Cluster: REDIS_CLUSTER_NODES, and a master killed mid-run', () => {
  let h: PipelineHarness;
  let cluster: RedisCluster;
  let extra: Record<string, string>;
  const prefix = `{kpress-${randomBytes(4).toString('hex')}}`;

  before(async () => {
    [h, cluster] = await Promise.all([startPipelineHarness(), startRedisCluster()]);
    extra = { REDIS_CLUSTER_NODES: cluster.nodes, KPRESS_PREFIX: prefix };
    const photos = await makePhotos(IMAGES, { width: 320, height: 240 });
    for (const photo of photos) await h.store.put(h.source, `fo/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
  });
  after(async () => {
    await h.close();
    await cluster.stop();
  });

  const statusOf = async (runId: string, env = extra): Promise<RunJson | undefined> => {
    const result = await h.cli(['status', runId, '--json'], env);
    return result.stdout === '' ? undefined : (JSON.parse(result.stdout) as RunJson);
  };

  it('refuses a KPRESS_PREFIX without a {hash tag} on a cluster (exit 2, naming both variables)', async () => {
    const result = await h.cli(['status'], { REDIS_CLUSTER_NODES: cluster.nodes, KPRESS_PREFIX: 'kpress' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /KPRESS_PREFIX must hold a \{hash tag\} such as \{kpress\} with REDIS_CLUSTER_NODES/);
  });

  it(`runs ${IMAGES} images, the run's master killed with SIGKILL mid-run: the replica takes over, every image done once`, async () => {
    const runId = 'failover';
    // A 5-s lock: jobs whose lock renewals died with the master are taken over in seconds, not after
    // the default minute (one clean-clone run waited 135 s here).
    const worker = h.startWorker(['--concurrency', '2', '--lock-duration', '5000'], extra);
    try {
      const enqueue = await h.cli(
        ['enqueue', `s3://${h.source}/fo/`, '--to', `s3://${h.destination}/fo/`, '--run-id', runId],
        extra,
      );
      assert.equal(enqueue.code, 0, enqueue.stderr);
      const before = await eventually(
        async () => {
          const run = await statusOf(runId);
          return run !== undefined && run.done >= 8 ? run : undefined;
        },
        60_000,
        'a few images done',
      );
      assert.equal(before.jobs, IMAGES);
      const runKey = `${prefix}:run:${runId}`;
      const master = await cluster.masterOf(runKey);
      assert.equal(await h.redis.exists(runKey), 0, 'nothing of the run on REDIS_URL');
      const doneOn = async (port: number): Promise<number> => {
        const node = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
        try {
          assert.equal(await node.hget(runKey, 'runId'), runId, `the run lives on the cluster node :${port}`);
          return Number(await node.hget(runKey, 'done'));
        } finally {
          node.disconnect();
        }
      };
      const doneAtKill = await doneOn(master);
      await cluster.kill(master);
      const promoted = await cluster.waitForFailover(runKey, master);
      assert.notEqual(promoted, master);
      // Writes the dead master acknowledged but never replicated are gone from the new one.
      const lost = Math.max(0, doneAtKill - (await doneOn(promoted)));

      const final = await eventually(
        async () => {
          const run = await statusOf(runId);
          return run?.state === 'done' ? run : undefined;
        },
        90_000,
        'the run to complete after the failover',
      );
      assert.deepEqual([final.listed, final.jobs, final.done, final.failed], [IMAGES, IMAGES, IMAGES, 0]);
      let outputs = 0;
      for await (const object of h.store.list(h.destination, 'fo/')) if (object.key.endsWith('.png')) outputs++;
      assert.equal(outputs, IMAGES);
      process.stderr.write(
        `cluster failover: ${IMAGES} images, master :${master} killed at ${doneAtKill} done, replica :${promoted} promoted ` +
          `(${lost} acknowledged outcomes lost), ${final.done} done once each, ${final.failed} failed\n`,
      );
    } finally {
      await worker.stop();
    }
  });

  it(`queues ${LISTED_IMAGES} images, the run's master killed with SIGKILL while the producer is still listing: the producer goes on, every image done once`, async () => {
    const runId = 'failover-listing';
    // A prefix of its own, on a master that still has its replica (the test above killed one).
    let listingPrefix = '';
    for (let n = 0; listingPrefix === '' && n < 100; n++) {
      const candidate = `{kpl${n}-${prefix.slice(1, -1)}}`;
      if (await hasReplica(await cluster.masterOf(`${candidate}:x`))) listingPrefix = candidate;
    }
    const listingEnv = { ...extra, KPRESS_PREFIX: listingPrefix };
    const photos = await makePhotos(LISTED_IMAGES);
    for (const photo of photos) await h.store.put(h.source, `fl/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    // No worker yet: back-pressure (--max-queued 8) holds the producer inside its listing after
    // two batches of 4, for as long as the test needs, so the kill lands mid-listing every time
    // (with workers running, tiny images drained the whole listing in about a second).
    const enqueue = h.cli(
      ['enqueue', `s3://${h.source}/fl/`, '--to', `s3://${h.destination}/fl/`, '--run-id', runId, '--max-queued', '8'],
      listingEnv,
    );
    let worker: Awaited<ReturnType<typeof h.startWorker>> | undefined;
    try {
      const before = await eventually(
        async () => {
          const run = await statusOf(runId, listingEnv);
          return run !== undefined && run.state === 'listing' && run.listed >= 8 ? run : undefined;
        },
        60_000,
        'the listing under way',
      );
      const runKey = `${listingPrefix}:run:${runId}`;
      const master = await cluster.masterOf(runKey);
      await cluster.kill(master);
      const promoted = await cluster.waitForFailover(runKey, master);
      assert.notEqual(promoted, master);
      // Workers drain the queue on the promoted replica; the listing goes on as they make room.
      worker = h.startWorker(['--concurrency', '2', '--lock-duration', '5000'], listingEnv);
      const listed = await enqueue;
      assert.equal(listed.code, 0, `the producer survived the failover: ${listed.stderr}`);
      const final = await eventually(
        async () => {
          const run = await statusOf(runId, listingEnv);
          return run?.state === 'done' ? run : undefined;
        },
        90_000,
        'the run to complete after the failover',
      );
      assert.deepEqual([final.listed, final.jobs, final.done, final.failed], [LISTED_IMAGES, LISTED_IMAGES, LISTED_IMAGES, 0]);
      let outputs = 0;
      for await (const object of h.store.list(h.destination, 'fl/')) if (object.key.endsWith('.png')) outputs++;
      assert.equal(outputs, LISTED_IMAGES);
      process.stderr.write(
        `cluster failover while listing: ${LISTED_IMAGES} images, master :${master} killed at ${before.listed} listed, ` +
          `replica :${promoted} promoted, ${final.done} done once each, ${final.failed} failed\n`,
      );
    } finally {
      await worker?.stop();
      await enqueue;
    }
  });
});

/** Whether the master on `port` has a replica connected (one that can take over). */
async function hasReplica(port: number): Promise<boolean> {
  const node = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    return /connected_slaves:[1-9]/.test(await node.info('replication'));
  } finally {
    node.disconnect();
  }
}
