import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type RedisServer } from '@kpress/local-services';
import { createRunStore, RUN_TTL_SECONDS } from '@kpress/runs';
import { Redis } from 'ioredis';

/** How often Redis has run each command (INFO commandstats). */
async function commandCalls(redis: Redis, command: string): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}

// A Redis of this file's own: the test flushes its script cache and counts its commands.
describe('run store scripts', () => {
  let server: RedisServer;
  let redis: Redis;

  before(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('sends a script once per connection (EVAL, then EVALSHA: ioredis defineCommand), and again only when the server lost it', async () => {
    const runs = createRunStore(redis, 'scripts-test');
    const runId = 'run-scripts';
    await runs.create({ runId, source: 's3://in/', destination: 's3://out/', params: {}, origin: 'enqueue' });
    await runs.addJobs(runId, 3);
    await runs.closeListing(runId, 3);
    const finish = (jobId: string) =>
      runs.finishJob(runId, jobId, { status: 'failed', failure: { key: `s3://in/${jobId}`, code: 'test', reason: 'test' } });

    await redis.script('FLUSH');
    const evalsBefore = await commandCalls(redis, 'eval');
    await finish('a'); // first use on this connection: EVAL, which caches it
    await finish('b'); // EVALSHA
    await redis.script('FLUSH'); // as after a restart without persistence
    const last = await finish('c'); // EVALSHA, NOSCRIPT, then one EVAL

    assert.equal(await commandCalls(redis, 'eval'), evalsBefore + 2, 'one EVAL after each flush, none in between');
    assert.ok((await commandCalls(redis, 'evalsha')) >= 2);
    assert.deepEqual(last, { counted: true, completedRun: true, pageReady: false });
    const snapshot = await runs.get(runId);
    assert.equal(snapshot?.failed, 3);
    assert.equal(snapshot?.complete, true);
  });

  it("trims the run index with the runs it lists: entries older than a run's TTL go, and the index expires too", async () => {
    const runs = createRunStore(redis, 'index-test');
    const old = Date.now() - RUN_TTL_SECONDS * 1000 - 60_000;
    await redis.zadd('index-test:runs', old, 'expired-run');
    await runs.create({ runId: 'fresh-run', source: 's3://in/', destination: 's3://out/', params: {}, origin: 'enqueue' });
    assert.deepEqual(await runs.recent(10), ['fresh-run'], 'the expired run left the index');
    const ttl = await redis.ttl('index-test:runs');
    assert.ok(ttl > 0 && ttl <= RUN_TTL_SECONDS, `index TTL ${ttl}`);
  });

  it('passes other script errors on', async () => {
    const runs = createRunStore(redis, 'scripts-test');
    await redis.set('scripts-test:run:wrong-type', 'not a hash');
    await assert.rejects(
      runs.finishJob('wrong-type', 'x', { status: 'failed', failure: { key: 'k', code: 'c', reason: 'r' } }),
      /WRONGTYPE/,
    );
  });
});
