import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startPipelineHarness, type PipelineHarness } from './support/pipeline-harness.js';

const GIB = 2 ** 30;

/** A 10000×10000 (100 MP) PNG: gradients plus 2-bit noise, about 85 MB. */
async function hundredMegapixelPng(seed: number): Promise<Buffer> {
  const width = 10_000;
  const height = 10_000;
  const data = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const noise = (s >>> 24) & 3;
      const o = (y * width + x) * 3;
      data[o] = ((x >> 5) + noise) & 255;
      data[o + 1] = ((y >> 5) + noise) & 255;
      data[o + 2] = (((x + y) >> 6) + noise + seed) & 255;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** Resident bytes of a process and all its descendants (the worker and its compress processes). */
async function treeRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  let bytes = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  for (const tid of tasks) {
    const children = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
    for (const child of children.split(' ').filter((c) => c !== '')) bytes += await treeRss(Number(child));
  }
  return bytes;
}

describe('pipeline: a worker within its memory budget', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startPipelineHarness();
    for (const seed of [1, 2])
      await h.store.put(h.source, `in/big-${seed}.png`, await hundredMegapixelPng(seed), { contentType: 'image/png' });
  });
  after(async () => h.close());

  // WebP output: about 2.7 GB at its peak per 100 MP image (libvips' encoder), so two at once —
  // what --concurrency 2 did before the budget — pass 5 GB; within the budget they take turns.
  it('compresses two 100 MP images at --concurrency 2 --memory-budget 4Gi without ever passing 4 GiB', async () => {
    const worker = h.startWorker(['--concurrency', '2', '--memory-budget', '4Gi']);
    let peak = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      void treeRss(worker.child.pid!).then((bytes) => {
        peak = Math.max(peak, bytes);
        samples++;
      });
    }, 100);
    try {
      const enqueue = await h.cli([
        'enqueue',
        `s3://${h.source}/in/`,
        '--to',
        `s3://${h.destination}/out/`,
        '--format',
        'webp',
        '--wait',
      ]);
      assert.equal(enqueue.code, 0, enqueue.stderr);
      const report = JSON.parse((await h.cli(['status', enqueue.stdout.trim(), '--json'])).stdout) as { done: number };
      assert.equal(report.done, 2, 'both images complete');
    } finally {
      clearInterval(sampler);
      await worker.stop();
    }
    console.log(`worker + compress processes: peak RSS ${(peak / GIB).toFixed(2)} GiB over ${samples} samples`);
    assert.ok(samples > 20, 'RSS was sampled');
    assert.ok(peak > 0.5 * GIB, 'the images were in memory while sampled');
    assert.ok(peak <= 4 * GIB, `peak RSS ${(peak / GIB).toFixed(2)} GiB exceeds the 4 GiB budget`);
  });
});
