import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JOB_HASH_METADATA, metadataKeyFor, OUTCOME_METADATA, reportKeys } from '@kpress/job-contract';
import sharp from 'sharp';
import { eventually, startPipelineHarness, type PipelineHarness, type WorkerProcess } from './support/pipeline-harness.js';

/** Noise saved as a low-quality JPEG: tiny as a JPEG, larger as a 256-colour PNG. */
async function noisyJpeg(seed: number): Promise<Buffer> {
  const width = 96;
  const height = 72;
  const data = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = (state >>> 16) & 0xff;
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 20 })
    .toBuffer();
}

/** A smooth gradient stored uncompressed: any indexed PNG of it is far smaller. */
async function bulkyGradient(): Promise<Buffer> {
  const width = 120;
  const height = 90;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = Math.round((255 * x) / width);
      data[o + 1] = Math.round((255 * y) / height);
      data[o + 2] = 96;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

interface StatusJson {
  readonly state: string;
  readonly done: number;
  readonly keptOriginal: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failures: { key: string; code: string; reason: string }[];
}

describe('quality targets and savings guarantees in a run', () => {
  let h: PipelineHarness;
  let worker: WorkerProcess;
  let noisy: Buffer;

  before(async () => {
    h = await startPipelineHarness();
    noisy = await noisyJpeg(7);
    await h.store.put(h.source, 'keep/noisy.jpg', noisy, { contentType: 'image/jpeg' });
    await h.store.put(h.source, 'keep/gradient.png', await bulkyGradient(), { contentType: 'image/png' });
    await h.store.put(h.source, 'low/noisy.jpg', await noisyJpeg(11), { contentType: 'image/jpeg' });
    worker = h.startWorker(['--concurrency', '2']);
  });

  after(async () => {
    await worker.stop();
    await h.close();
  });

  async function status(runId: string): Promise<StatusJson> {
    const result = await h.cli(['status', runId, '--json']);
    return JSON.parse(result.stdout) as StatusJson;
  }

  it('--skip-if-larger writes no image for a source its output would not beat, counts it apart, and a later run skips it', async () => {
    const to = `s3://${h.destination}/kept/`;
    const first = await h.cli(['enqueue', `s3://${h.source}/keep/`, '--to', to, '--k', '256', '--skip-if-larger', '--wait']);
    assert.equal(first.code, 0, first.stderr);
    const runId = first.stdout.trim();
    const run = await status(runId);
    assert.equal(run.done, 1, 'the gradient is compressed');
    assert.equal(run.keptOriginal, 1, 'the noisy JPEG is kept original');
    assert.equal(run.failed, 0);
    assert.equal(run.state, 'done');

    // No image for the kept source; its metadata document says why, with both sizes.
    assert.equal(await h.store.head(h.destination, 'kept/noisy.png'), null);
    const head = await h.store.head(h.destination, metadataKeyFor('kept/noisy.png'));
    assert.ok(head);
    assert.equal(head.metadata[OUTCOME_METADATA], 'kept-original');
    assert.ok(head.metadata[JOB_HASH_METADATA]);
    const document = JSON.parse(
      (await h.store.get(h.destination, metadataKeyFor('kept/noisy.png'), { maxBytes: 1 << 20 })).body.toString(),
    ) as { outcome: string; source: { bytes: number }; output: { bytes: number } };
    assert.equal(document.outcome, 'kept-original');
    assert.equal(document.source.bytes, noisy.length);
    assert.ok(document.output.bytes >= document.source.bytes, `${document.output.bytes} < ${document.source.bytes}`);
    assert.ok(await h.store.head(h.destination, 'kept/gradient.png'), 'the smaller output is written');

    // The report lists the kept source apart from the images written.
    const report = await eventually(
      async () => {
        const key = reportKeys('kept/', runId).json;
        if ((await h.store.head(h.destination, key)) === null) return undefined;
        return JSON.parse((await h.store.get(h.destination, key, { maxBytes: 1 << 22 })).body.toString()) as {
          counts: { done: number; keptOriginal: number };
          savings: { keptOriginal: { items: { key: string }[] }; kDistribution: Record<string, number>; bytesSaved: number };
        };
      },
      30_000,
      'the run report',
    );
    assert.equal(report.counts.keptOriginal, 1);
    assert.deepEqual(
      report.savings.keptOriginal.items.map((item) => item.key),
      ['keep/noisy.jpg'],
    );
    assert.ok(report.savings.bytesSaved > 0);

    // The next night: nothing to redo, the kept source included.
    const second = await h.cli(['enqueue', `s3://${h.source}/keep/`, '--to', to, '--k', '256', '--skip-if-larger', '--wait']);
    assert.equal(second.code, 0, second.stderr);
    const again = await status(second.stdout.trim());
    assert.equal(again.skipped, 2, 'both sources skipped, the kept-original one too');
    assert.equal(again.done + again.keptOriginal, 0);
  });

  it('--target-psnr that even --k misses fails the image as quality-too-low, writing nothing', async () => {
    const to = `s3://${h.destination}/low/`;
    const result = await h.cli(['enqueue', `s3://${h.source}/low/`, '--to', to, '--k', '8', '--target-psnr', '45', '--wait']);
    assert.equal(result.code, 1, 'an image failed');
    const run = await status(result.stdout.trim());
    assert.equal(run.failed, 1);
    assert.equal(run.failures[0]?.code, 'quality-too-low');
    assert.match(run.failures[0].reason, /best PSNR reached, \d+\.\d\d dB with k 8, is below the target of 45 dB/);
    assert.equal(await h.store.head(h.destination, 'low/noisy.png'), null);
    assert.equal(await h.store.head(h.destination, metadataKeyFor('low/noisy.png')), null);
  });
});
