import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunSnapshot } from '@kpress/runs';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

describe('scheduled incremental runs', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let worker: WorkerProcess;

  before(async () => {
    h = await startPipelineHarness();
    source = h.source;
    destination = h.destination;
    worker = h.startWorker(['--concurrency', '2']);
  });

  after(async () => {
    await worker.stop();
    await h.close();
  });

  async function scheduledRuns(): Promise<RunSnapshot[]> {
    const ids = await h.runs.recent(1000);
    const runs = await Promise.all(ids.map((id) => h.runs.get(id)));
    return runs
      .filter((r): r is RunSnapshot => r !== null && r.origin === 'schedule:every-2s')
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  it('the first tick processes every image, a later one only the object added since, and remove stops the ticks', async () => {
    const photos = await makePhotos(4);
    for (const photo of photos.slice(0, 3))
      await h.store.put(source, `in/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    const add = await h.cli([
      'schedule',
      'add',
      'every-2s',
      '--cron',
      '*/2 * * * * *',
      '--from',
      `s3://${source}/in/`,
      '--to',
      `s3://${destination}/out/`,
      '--k',
      '8',
    ]);
    assert.equal(add.code, 0, add.stderr);
    const list = await h.cli(['schedule', 'list']);
    assert.match(list.stdout, /every-2s\t\*\/2 \* \* \* \* \*/);

    const first = await eventually(
      async () => (await scheduledRuns()).find((r) => r.complete && r.jobs > 0),
      30_000,
      'the first scheduled run',
    );
    assert.deepEqual([first.jobs, first.done, first.failed, first.skipped], [3, 3, 0, 0]);

    const uploadedAt = Date.now();
    await h.store.put(source, `in/${photos[3]!.name}`, photos[3]!.body, { contentType: 'image/jpeg' });
    const second = await eventually(
      async () => (await scheduledRuns()).find((r) => r.createdAt > first.createdAt && r.complete && r.jobs > 0),
      30_000,
      'a scheduled run of the new object',
    );
    assert.deepEqual([second.jobs, second.done, second.skipped], [1, 1, 3]);
    assert.ok(second.createdAt >= uploadedAt - 2_000);
    // Ticks that found nothing new recorded empty, complete runs rather than failing.
    const empty = (await scheduledRuns()).filter((r) => r.jobs === 0);
    for (const run of empty) assert.ok(run.complete && run.failed === 0);

    const remove = await h.cli(['schedule', 'remove', 'every-2s']);
    assert.equal(remove.code, 0, remove.stderr);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a tick already started may finish
    const countAfterRemove = (await scheduledRuns()).length;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal((await scheduledRuns()).length, countAfterRemove, 'no tick after remove');
    assert.match((await h.cli(['schedule', 'list'])).stdout, /no schedules/);
    assert.equal((await h.cli(['schedule', 'remove', 'every-2s'])).code, 1);
  });

  it('remove deletes every key of the schedule: its scheduler, its finished ticks and its lock', async () => {
    const add = await h.cli([
      'schedule',
      'add',
      'tidy',
      '--cron',
      '* * * * * *',
      '--from',
      `s3://${source}/nothing-here/`,
      '--to',
      `s3://${destination}/tidy/`,
    ]);
    assert.equal(add.code, 0, add.stderr);
    // Two finished ticks, so BullMQ keeps their job hashes in the completed set.
    await eventually(
      async () =>
        (await h.redis.zrange(`${h.prefix}:schedules:completed`, 0, -1)).filter((id) => id.includes(':tidy:')).length >= 2
          ? true
          : undefined,
      30_000,
      'two finished ticks of schedule tidy',
    );
    const remove = await h.cli(['schedule', 'remove', 'tidy']);
    assert.equal(remove.code, 0, remove.stderr);
    const left: string[] = [];
    for await (const keys of h.redis.scanStream({ match: `${h.prefix}:schedule*tidy*`, count: 1000 }))
      left.push(...(keys as string[]));
    assert.deepEqual(left, [], 'no key of the schedule');
    for (const state of ['completed', 'failed', 'delayed', 'wait', 'active', 'prioritized', 'repeat']) {
      const members = await h.redis
        .zrange(`${h.prefix}:schedules:${state}`, 0, -1)
        .catch(async () => h.redis.lrange(`${h.prefix}:schedules:${state}`, 0, -1));
      assert.deepEqual(
        members.filter((id) => id.includes('tidy')),
        [],
        `no tick of schedule tidy in ${state}`,
      );
    }
  });

  it('names --tz and its value for an unknown time zone', async () => {
    const result = await h.cli([
      'schedule',
      'add',
      'zoned',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Bad/Zone',
      '--from',
      `s3://${source}/in/`,
      '--to',
      `s3://${destination}/out/`,
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^kpress schedule: --tz must be an IANA time zone such as "Europe\/Paris" or "UTC", received "Bad\/Zone"\n$/,
    );
    assert.doesNotMatch(result.stderr, /--cron/);
    assert.doesNotMatch((await h.cli(['schedule', 'list'])).stdout, /zoned/, 'nothing scheduled');
  });

  it('rejects a bad cron pattern and a bad name with exit code 2', async () => {
    const badCron = await h.cli([
      'schedule',
      'add',
      'x',
      '--cron',
      'every day',
      '--from',
      `s3://${source}/in/`,
      '--to',
      `s3://${destination}/out/`,
    ]);
    assert.equal(badCron.code, 2);
    assert.match(badCron.stderr, /--cron "every day" is not a valid cron pattern/);
    const badName = await h.cli([
      'schedule',
      'add',
      'Bad Name',
      '--cron',
      '* * * * *',
      '--from',
      `s3://${source}/in/`,
      '--to',
      `s3://${destination}/out/`,
    ]);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /schedule name must be/);
  });
});
