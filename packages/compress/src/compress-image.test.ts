import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeImage } from '@kpress/codec';
import { measureSsim } from '@kpress/kmeans-core';
import { DEFAULT_PARAMS } from '@kpress/job-contract';
import { buildMetadata, compressImage } from './index.js';

const bird = readFileSync(new URL('../../../samples/bird_small.png', import.meta.url));
const limits = { maxPixels: 1e8 };

void describe('compressImage: a perceptual figure beside PSNR', () => {
  for (const dither of [false, true]) {
    void test(`bird_small k=16 dither ${dither}: SSIM of what is written, in the metadata document`, async () => {
      const params = { ...DEFAULT_PARAMS, k: 16, dither };
      const compressed = await compressImage(bird, params, limits);
      const source = await decodeImage(bird, limits);
      const expected = measureSsim(
        source.data,
        source.channels,
        source.width,
        source.height,
        compressed.result.indices,
        compressed.result.palette,
      );
      assert.equal(compressed.result.stats.ssim, expected);
      assert.ok(expected > 0.6 && expected < 1, `SSIM ${expected}`);
      assert.equal(typeof compressed.timingsMs.quality, 'number');

      const metadata = buildMetadata(compressed, {
        runId: null,
        jobId: null,
        source: { bucket: null, key: 'bird_small.png', etag: null },
        output: { bucket: null, key: 'bird_small.kp.png' },
        params,
        extraTimingsMs: {},
        worker: { host: 'test', pid: 1 },
        createdAt: new Date(0),
      });
      assert.equal(metadata.quality.ssim, Math.round(expected * 1e6) / 1e6);
    });
  }
});
