import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { IMAGE_QUEUE } from '@kpress/job-contract';
import { startRedisServer, type RedisServer } from '@kpress/local-services';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

const REDIS_SECRET = `redis-pw-${randomBytes(6).toString('hex')}`;
const ADMIN_SECRET = `admin-pw-${randomBytes(6).toString('hex')}`;
const AWS_SECRET = `aws-secret-${randomBytes(6).toString('hex')}`;
const WRONG_SECRET = `wrong-pw-${randomBytes(6).toString('hex')}`;
const SECRETS = [REDIS_SECRET, ADMIN_SECRET, AWS_SECRET, WRONG_SECRET];

/**
 * Redis with a password and an ACL user, and credentials that never leak: every byte a run
 * produces (process output at debug level, job data, Redis keys, metadata documents, the run
 * report) is searched for the secrets.
 */
describe('security: Redis ACL user and credentials', () => {
  let h: PipelineHarness;
  let server: RedisServer;
  let admin: Redis;
  let worker: WorkerProcess;
  let source: string;
  let destination: string;
  const captured: string[] = [];
  const env = (redisUrl: string): Record<string, string> => ({
    REDIS_URL: redisUrl,
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    LOG_LEVEL: 'debug',
  });
  const userUrl = (password: string): string => `redis://kpress:${password}@127.0.0.1:${server.port}`;

  before(async () => {
    h = await startPipelineHarness();
    server = await startRedisServer({ password: ADMIN_SECRET });
    admin = new Redis(server.url);
    await admin.call('ACL', 'SETUSER', 'kpress', 'on', `>${REDIS_SECRET}`, '~*', '&*', '+@all');
    source = h.bucket('cred-src');
    destination = h.bucket('cred-dst');
    await h.store.createBucket(source);
    await h.store.createBucket(destination);
    for (const photo of await makePhotos(3))
      await h.store.put(source, `in/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    await h.store.put(source, 'in/broken.jpg', Buffer.from('not a jpeg'), { contentType: 'image/jpeg' });
    worker = h.startWorker(['--concurrency', '1'], env(userUrl(REDIS_SECRET)));
  });

  after(async () => {
    await worker.stop();
    admin.disconnect();
    await server.stop();
    await h.close();
  });

  it('runs a worker and an enqueue as the ACL user, then finds no secret anywhere', async () => {
    const enqueue = await h.cli(
      ['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out/`, '--wait'],
      env(userUrl(REDIS_SECRET)),
    );
    captured.push(enqueue.stdout, enqueue.stderr);
    assert.equal(enqueue.code, 1, `one image is broken: ${enqueue.stderr}`);
    const runId = enqueue.stdout.trim();
    const status = await h.cli(['status', runId, '--json'], env(userUrl(REDIS_SECRET)));
    captured.push(status.stdout, status.stderr);
    const report = JSON.parse(status.stdout) as { done: number; failed: number };
    assert.deepEqual([report.done, report.failed], [3, 1]);
    assert.match(await clientList(), /user=kpress/, 'kpress connected as the ACL user');

    // Job data and results, as BullMQ stores them.
    const connection = admin.duplicate();
    const queue = new Queue(IMAGE_QUEUE, { connection, prefix: h.prefix });
    const jobs = await queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
    assert.equal(jobs.length, 4);
    for (const job of jobs) captured.push(JSON.stringify(job.asJSON()));
    await queue.close();
    connection.disconnect();
    // Every value kpress keeps in Redis.
    captured.push(...(await dumpKeys(`${h.prefix}:*`)));
    // Every object written to the destination: images, metadata documents, the run's result
    // pages, report.json/html.
    let reports = 0;
    for await (const object of h.store.list(destination, '')) {
      captured.push((await h.store.get(destination, object.key, { maxBytes: 16 << 20 })).body.toString('latin1'));
      if (/_kpress\/runs\/[^/]+\/report\.(json|html)$/.test(object.key)) reports++;
    }
    assert.equal(reports, 2, 'report.json and report.html were read');

    // The worker's debug output, once it has stopped (shutdown logs included).
    await worker.stop();
    captured.push(worker.output());
    assertNoSecret(captured.join('\n'));
  });

  it('fails fast, exit 1, on a wrong password, without printing it (enqueue, status, worker)', async () => {
    const wrong = env(userUrl(WRONG_SECRET));
    for (const args of [
      ['enqueue', `s3://${source}/in/`, '--to', `s3://${destination}/out2/`],
      ['status', 'any-run'],
    ]) {
      const started = Date.now();
      const result = await h.cli(args, wrong);
      assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
      assert.match(result.stderr, /cannot connect to Redis at redis:\/\/kpress:\*\*\*@127\.0\.0\.1:\d+ \(REDIS_URL\): WRONGPASS/);
      assert.ok(Date.now() - started < 10_000, `${args[0]} failed fast`);
      assertNoSecret(result.stdout + result.stderr);
    }
    const bad = h.startWorker(['--concurrency', '1'], wrong);
    const code = await Promise.race([bad.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
    await bad.stop('SIGKILL');
    assert.equal(code, 1, 'the worker exits 1');
    assert.match(bad.output(), /WRONGPASS/);
    // The debug log of the connection error ran (the path that used to print the AUTH arguments).
    assert.match(bad.output(), /"level":20.*redis connection error/);
    assertNoSecret(bad.output());
  });

  async function clientList(): Promise<string> {
    return (await admin.call('CLIENT', 'LIST')) as string;
  }

  async function dumpKeys(pattern: string): Promise<string[]> {
    const out: string[] = [];
    for (const key of await admin.keys(pattern)) {
      const type = await admin.type(key);
      if (type === 'string') out.push(key, (await admin.get(key)) ?? '');
      else if (type === 'hash') out.push(key, JSON.stringify(await admin.hgetall(key)));
      else if (type === 'list') out.push(key, ...(await admin.lrange(key, 0, -1)));
      else if (type === 'set') out.push(key, ...(await admin.smembers(key)));
      else if (type === 'zset') out.push(key, ...(await admin.zrange(key, 0, -1)));
      else if (type === 'stream') out.push(key, JSON.stringify(await admin.xrange(key, '-', '+')));
    }
    assert.ok(out.length > 10, 'kpress keys were read');
    return out;
  }
});

/**
 * A password change under a running worker: every connection (kpress's own and those BullMQ
 * duplicates from them) re-authenticates with the old password and gets WRONGPASS. ioredis puts
 * the AUTH command's arguments on that error; none may reach the logs.
 */
describe('security: Redis password changed under a running worker', () => {
  const OLD_SECRET = `old-pw-${randomBytes(6).toString('hex')}`;
  const NEW_SECRET = `new-pw-${randomBytes(6).toString('hex')}`;
  let h: PipelineHarness;
  let server: RedisServer;

  before(async () => {
    h = await startPipelineHarness();
    server = await startRedisServer({ password: OLD_SECRET });
  });

  after(async () => {
    await server.stop();
    await h.close();
  });

  it('logs the WRONGPASS errors of every reconnection without the old password', async () => {
    const url = `redis://:${OLD_SECRET}@127.0.0.1:${server.port}`;
    const worker = h.startWorker(['--concurrency', '1'], { REDIS_URL: url, LOG_LEVEL: 'debug' });
    try {
      await eventually(
        () => Promise.resolve(/worker started/.test(worker.output()) ? true : undefined),
        30_000,
        'the worker to start',
      );
      const admin = new Redis(url);
      await admin.config('SET', 'requirepass', NEW_SECRET);
      // Every other connection drops and reconnects, authenticating with the old password.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal');
      admin.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    } finally {
      await worker.stop('SIGKILL');
    }
    const output = worker.output();
    assert.match(output, /WRONGPASS/, 'the reconnections failed and were logged: the path was exercised');
    assert.match(output, /"name":"auth"/, 'the failed AUTH command is logged, with its arguments masked');
    const at = output.indexOf(OLD_SECRET);
    assert.equal(at, -1, `the old password leaked: …${output.slice(Math.max(0, at - 300), at + 50)}…`);
    assert.equal(output.indexOf(NEW_SECRET), -1);
  });
});

function assertNoSecret(text: string): void {
  for (const secret of SECRETS) {
    const at = text.indexOf(secret);
    assert.equal(at, -1, `secret ${secret} leaked: …${text.slice(Math.max(0, at - 200), at + 50)}…`);
  }
}
