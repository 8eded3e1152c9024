import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { makeMosaic, makePhotos } from './support/test-images.js';

describe('pipeline: worker shutdown and job locks', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;

  before(async () => {
    h = await startPipelineHarness();
    source = h.source;
    destination = h.destination;
  });

  after(async () => {
    await h.close();
  });

  it('SIGTERM to a busy worker: it finishes its job, exits 0 within its deadline, and the run completes on another worker', async () => {
    const photos = await makePhotos(8, { width: 1200, height: 800 });
    for (const photo of photos) await h.store.put(source, `sigterm/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    const first = h.startWorker(['--concurrency', '1', '--drain-timeout', '30']);
    const enqueue = await h.cli(['enqueue', `s3://${source}/sigterm/`, '--to', `s3://${destination}/sigterm/`, '--k', '256']);
    assert.equal(enqueue.code, 0, enqueue.stderr);
    const runId = enqueue.stdout.trim();
    await eventually(async () => ((await h.runs.get(runId))?.active ?? 0) > 0 || undefined, 30_000, 'a job to be active');

    const signalled = Date.now();
    const code = await first.stop('SIGTERM');
    assert.equal(code, 0, first.output());
    assert.ok(Date.now() - signalled < 30_000, 'exited within the drain deadline');
    const afterFirst = await h.runs.get(runId);
    assert.ok(afterFirst && afterFirst.done >= 1, 'the in-flight job was finished, not dropped');
    assert.ok(!afterFirst.complete, 'work remains for another worker');

    const second = h.startWorker(['--concurrency', '2']);
    const final = await eventually(
      async () => {
        const run = await h.runs.get(runId);
        return run?.complete ? run : undefined;
      },
      120_000,
      'the run to complete',
    );
    await second.stop();
    assert.equal(final.done, photos.length);
    assert.equal(final.failed, 0);
  });

  it('a worker busy on two 12-megapixel images at concurrency 2 never loses a job lock', async () => {
    const mosaic = await makeMosaic(4000, 3000);
    await h.store.put(source, 'big/one.jpg', mosaic, { contentType: 'image/jpeg' });
    await h.store.put(source, 'big/two.jpg', mosaic, { contentType: 'image/jpeg' });
    const events = await h.queueEvents();
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    // A 1-second lock, renewed every 500 ms: a blocked event loop would lose it at once.
    const worker = h.startWorker(['--concurrency', '2', '--lock-duration', '1000']);
    try {
      const result = await h.cli(['enqueue', `s3://${source}/big/`, '--to', `s3://${destination}/big/`, '--k', '256', '--wait']);
      assert.equal(result.code, 0, result.stderr);
      const run = await h.runs.get(result.stdout.trim());
      assert.equal(run?.done, 2);
      assert.deepEqual(stalled, []);
      assert.doesNotMatch(worker.output(), /stalled/);
    } finally {
      await worker.stop();
    }
  });
});
