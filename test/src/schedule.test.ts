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
