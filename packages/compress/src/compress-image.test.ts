import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeImage } from '@kpress/codec';
import { measureSsim } from '@kpress/kmeans-core';
import { DEFAULT_PARAMS } from '@kpress/job-contract';
import sharp from 'sharp';
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

void describe('compressImage: memory prepared while the image decodes changes nothing in the output', () => {
  const china = readFileSync(new URL('../../../samples/china.jpg', import.meta.url));

  void test('a 4.3-MP photo (mapped through the colour table): the same bytes with a spare core, without, and by default', async () => {
    // 2400×1800 = 4.32 Mpx, past the quantizer's sampling threshold (4 Mpx).
    const large = await sharp(china).resize(2400, 1800).jpeg({ quality: 90 }).toBuffer();
    const params = { ...DEFAULT_PARAMS, k: 64 };
    const spare = await compressImage(large, params, limits, { spareCore: true });
    const busy = await compressImage(large, params, limits, { spareCore: false });
    const plain = await compressImage(large, params, limits);
    assert.deepEqual(spare.output.bytes, busy.output.bytes);
    assert.deepEqual(plain.output.bytes, busy.output.bytes);
    assert.equal(spare.result.stats.psnr, busy.result.stats.psnr);
  });

  void test('an image stored rotated (EXIF orientation 6), a 1-pixel image, WebP output: the same as without', async () => {
    const rotated = await sharp(china).resize(90, 60).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const onePixel = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c83214' } })
      .png()
      .toBuffer();
    for (const [name, input, format] of [
      ['rotated', rotated, 'png'],
      ['one pixel', onePixel, 'png'],
      ['webp', bird, 'webp'],
    ] as const) {
      const params = { ...DEFAULT_PARAMS, k: 16, format };
      const spare = await compressImage(input, params, limits, { spareCore: true });
      const busy = await compressImage(input, params, limits, { spareCore: false });
      assert.deepEqual(spare.output.bytes, busy.output.bytes, name);
    }
  });
});
