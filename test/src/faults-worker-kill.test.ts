import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QueueEvents } from 'bullmq';
import { eventually, startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';
import { referenceOutputs, verifyOutputs, watchListing, type SourceImage } from './support/output-checks.js';
import { makePhotos } from './support/test-images.js';

describe('faults: kill -9 of a worker in the middle of quantizing', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let events: QueueEvents;

  before(async () => {
    h = await startPipelineHarness();
    source = h.source;
    destination = h.destination;
    events = await h.queueEvents();
  });

  after(async () => {
    await h.close();
  });

  it('the stalled job is finished by another worker, and no partial object is ever listed', async () => {
    const params = { k: 256 };
    const photos = await makePhotos(6, { width: 2000, height: 1500 });
    const images: SourceImage[] = photos.map((p) => ({ key: `kill/${p.name}`, body: p.body }));
    for (const image of images) await h.store.put(source, image.key, image.body, { contentType: 'image/jpeg' });
    const stalled = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));

    // A 2-second lock, checked for stalls every 2 s: a dead worker's job is taken over quickly.
    const lock = ['--concurrency', '1', '--lock-duration', '2000'];
    const victim = h.startWorker(lock);
    const survivor = h.startWorker(lock);
    const watch = watchListing(h.store, destination, 'kill-out/');
    try {
      const enqueue = await h.cli(['enqueue', `s3://${source}/kill/`, '--to', `s3://${destination}/kill-out/`, '--k', '256']);
      assert.equal(enqueue.code, 0, enqueue.stderr);
      const runId = enqueue.stdout.trim();

      // Both workers hold a job that started ≥ 400 ms ago: past download and decode, inside k-means.
      const victimJob = await eventually(
        async () => {
          const active = await h.queue.getActive();
          const now = Date.now();
          const busy = active.filter((job) => job.processedOn !== undefined && now - job.processedOn >= 400);
          return busy.length >= 2 ? busy.map((job) => job.id) : undefined;
        },
        60_000,
        'both workers to be quantizing',
      );
      victim.child.kill('SIGKILL');
      assert.equal(await victim.exited, 'SIGKILL');
      const killedAt = Date.now();
      const replacement = h.startWorker(lock);

      const final = await eventually(
        async () => {
          const run = await h.runs.get(runId);
          return run?.complete ? run : undefined;
        },
        120_000,
        'the run to complete after the kill',
      );
      await Promise.all([survivor.stop(), replacement.stop()]);
      const violations = await watch.stop();

      assert.equal(final.done, images.length, 'every image done, counted once');
      assert.equal(final.failed, 0);
      assert.ok(stalled.size >= 1, `a job was recovered as stalled (active when killed: ${victimJob.join(', ')})`);
      for (const jobId of stalled) assert.ok(victimJob.includes(jobId), `stalled job ${jobId} was one being quantized`);
      // The recovered job was finished by another process than the one killed.
      for (const jobId of stalled) {
        const job = await h.queue.getJob(jobId);
        assert.ok(job?.finishedOn !== undefined && job.finishedOn > killedAt, `job ${jobId} finished after the kill`);
        assert.ok(job.returnvalue !== null, `job ${jobId} has a result`);
      }
      assert.deepEqual(violations, [], 'no partial object was ever listed');
      assert.ok(watch.stats().listings >= 20, `the listing was polled continuously (${watch.stats().listings} listings)`);

      const references = await referenceOutputs(images, 'kill/', 'kill-out/', params);
      const verdict = await verifyOutputs(h.store, destination, 'kill-out/', references);
      assert.deepEqual(
        { missing: verdict.missing, mismatching: verdict.mismatching, broken: verdict.broken, unexpected: verdict.unexpected },
        { missing: [], mismatching: [], broken: [], unexpected: [] },
      );
      assert.equal(verdict.good, images.length);
    } finally {
      await watch.stop();
    }
  });

  it('a job whose worker dies every time fails alone after its stall limit, and the run completes', async () => {
    const [big] = await makePhotos(1, { width: 2000, height: 1500 });
    const small = await makePhotos(2);
    await h.store.put(source, 'poison/big.jpg', big!.body, { contentType: 'image/jpeg' });
    for (const photo of small) await h.store.put(source, `poison/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    const lock = ['--concurrency', '1', '--lock-duration', '2000'];
    let worker = h.startWorker(lock);
    let workerStarted = Date.now();
    const enqueue = await h.cli(['enqueue', `s3://${source}/poison/`, '--to', `s3://${destination}/poison-out/`, '--k', '256']);
    assert.equal(enqueue.code, 0, enqueue.stderr);
    const runId = enqueue.stdout.trim();
    // Three deaths while holding the big job: BullMQ allows two stalls (maxStalledCount 2).
    for (let death = 1; death <= 3; death++) {
      await eventually(
        async () => {
          const active = await h.queue.getActive();
          const job = active.find((j) => (j.data as { source?: { key?: string } }).source?.key === 'poison/big.jpg');
          // Taken by the current worker (not the dead one's stale entry), and past decoding.
          const taken = job?.processedOn;
          return taken !== undefined && taken > workerStarted && Date.now() - taken >= 300 ? true : undefined;
        },
        60_000,
        `the big job to be processed (death ${death})`,
      );
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = h.startWorker(lock);
      workerStarted = Date.now();
    }
    try {
      const final = await eventually(
        async () => {
          const run = await h.runs.get(runId);
          return run?.complete ? run : undefined;
        },
        60_000,
        'the run to complete',
      );
      assert.equal(final.done, 2);
      assert.equal(final.failed, 1);
      const failures = await h.runs.failures(runId);
      assert.equal(failures.length, 1);
      assert.equal(failures[0]?.code, 'worker-lost');
      assert.match(failures[0]?.key ?? '', /poison\/big\.jpg$/);
    } finally {
      await worker.stop();
    }
  });
});
