import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';
import { makePhotos } from './support/test-images.js';

const GOOD = 6;
const MAX_PIXELS = 500_000;

describe('pipeline: bad inputs fail alone, once, with their reason', () => {
  let h: PipelineHarness;
  let source: string;
  let destination: string;
  let dir: string;
  let worker: WorkerProcess;

  before(async () => {
    h = await startPipelineHarness();
    dir = await mkdtemp(join(tmpdir(), 'kpress-manifest-'));
    source = h.source;
    destination = h.destination;
    for (const photo of await makePhotos(GOOD))
      await h.store.put(source, `good/${photo.name}`, photo.body, { contentType: 'image/jpeg' });
    const jpeg = (await makePhotos(2))[1]!.body;
    await h.store.put(source, 'bad/truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)), { contentType: 'image/jpeg' });
    await h.store.put(source, 'bad/text.jpg', Buffer.from('this is a text file, not a JPEG\n'), { contentType: 'image/jpeg' });
    const huge = await sharp({ create: { width: 1000, height: 800, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    await h.store.put(source, 'bad/too-many-pixels.png', huge, { contentType: 'image/png' });
    worker = h.startWorker(['--concurrency', '2'], { KPRESS_MAX_PIXELS: String(MAX_PIXELS) });
  });

  after(async () => {
    await worker.stop();
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes every good image; a missing key, a text file named .jpg, a truncated JPEG and an oversized image fail once each', async () => {
    const manifest = join(dir, 'manifest.txt');
    const lines = [
      '# a manifest: one s3:// URL per line',
      ...Array.from(
        { length: GOOD },
        (_, i) => `s3://${source}/good/photo-${String(i).padStart(3, '0')}.${i % 3 === 0 ? 'png' : 'jpg'}`,
      ),
      `s3://${source}/bad/missing.jpg`,
      `s3://${source}/bad/text.jpg`,
      `s3://${source}/bad/truncated.jpg`,
      `s3://${source}/bad/too-many-pixels.png`,
    ];
    await writeFile(manifest, `${lines.join('\n')}\n`);
    const result = await h.cli(['enqueue', '--manifest', manifest, '--to', `s3://${destination}/out/`, '--wait'], {
      KPRESS_MAX_PIXELS: String(MAX_PIXELS),
    });
    assert.equal(result.code, 1, 'enqueue --wait exits 1 when an image failed');
    const runId = result.stdout.trim();

    const status = await h.cli(['status', runId, '--json']);
    assert.equal(status.code, 1);
    const report = JSON.parse(status.stdout) as {
      done: number;
      failed: number;
      failures: { key: string; code: string; reason: string }[];
    };
    assert.equal(report.done, GOOD);
    assert.equal(report.failed, 4);
    const byKey = new Map(report.failures.map((f) => [f.key.slice(`s3://${source}/`.length), f]));
    assert.equal(byKey.get('bad/missing.jpg')?.code, 'missing-object');
    assert.equal(byKey.get('bad/text.jpg')?.code, 'not-an-image');
    assert.equal(byKey.get('bad/truncated.jpg')?.code, 'corrupt-image');
    assert.equal(byKey.get('bad/too-many-pixels.png')?.code, 'too-many-pixels');
    assert.match(byKey.get('bad/too-many-pixels.png')!.reason, /1000×800 = 800000 pixels, more than the limit of 500000/);
    for (const failure of report.failures) assert.ok(failure.reason.length > 10, `a reason for ${failure.key}`);

    // Failed once each: BullMQ made a single attempt of every failed job.
    // BullMQ moves a job to "failed" just after the worker has counted it in the run: poll.
    const failedJobs = await eventually(
      async () => {
        const jobs = await h.queue.getFailed();
        return jobs.length >= 4 ? jobs : undefined;
      },
      10_000,
      'four failed jobs in BullMQ',
    );
    assert.equal(failedJobs.length, 4);
    for (const job of failedJobs)
      assert.equal(job.attemptsMade, 1, `${(job.data as { source: { key: string } }).source.key} was attempted once`);

    // Nothing written for the failures; everything for the good ones.
    for (const key of ['bad/missing.png', 'bad/text.png', 'bad/truncated.png', 'bad/too-many-pixels.png']) {
      assert.equal(await h.store.head(destination, `out/${key}.json`), null);
    }
    let outputs = 0;
    for await (const object of h.store.list(destination, 'out/')) if (object.key.endsWith('.png')) outputs++;
    assert.equal(outputs, GOOD);

    const human = await h.cli(['status', runId]);
    assert.match(human.stdout, /failed 4/);
    assert.match(human.stdout, /bad\/text\.jpg: \[not-an-image\]/);
  });

  it('rejects a hand-made job whose data breaks the contract, without running it', async () => {
    const job = await h.queue.add(
      'image',
      { version: 1, runId: 'evil', source: { bucket: 'x', key: '../../etc/passwd', etag: '', bytes: 0 } },
      { attempts: 3 },
    );
    const finished = await waitForState(h, job.id!);
    assert.equal(finished.state, 'failed');
    assert.equal(finished.attemptsMade, 1);
    assert.match(finished.reason, /invalid job data/);
  });
});

async function waitForState(h: PipelineHarness, id: string): Promise<{ state: string; attemptsMade: number; reason: string }> {
  for (let i = 0; i < 200; i++) {
    // State first, then the job: a job read before it finished would show attemptsMade 0.
    const state = await h.queue.getJobState(id);
    const job = state === 'failed' || state === 'completed' ? await h.queue.getJob(id) : undefined;
    if (job) return { state, attemptsMade: job.attemptsMade, reason: job.failedReason };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not finish`);
}
