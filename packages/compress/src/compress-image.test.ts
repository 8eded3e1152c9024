import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { BadImageError, decodeImage, startDecode } from '@kpress/codec';
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

  void test('a decode started by the caller (as a one-shot compress starts it): the same bytes; its error, as compressImage gives it', async () => {
    const large = await sharp(china).resize(2400, 1800).jpeg({ quality: 90 }).toBuffer();
    const params = { ...DEFAULT_PARAMS, k: 64 };
    const started = startDecode(large, limits);
    const early = await compressImage(large, params, limits, { spareCore: true, decoding: started });
    const plain = await compressImage(large, params, limits, { spareCore: true });
    assert.deepEqual(early.output.bytes, plain.output.bytes);
    assert.ok(early.timingsMs.decode > 0, 'the decode is timed from its start');

    const truncated = large.subarray(0, 2000);
    const expected = await compressImage(truncated, params, limits).then(
      () => assert.fail('a truncated JPEG must fail'),
      (error: unknown) => error,
    );
    await assert.rejects(
      compressImage(truncated, params, limits, { decoding: startDecode(truncated, limits) }),
      (error: unknown) => error instanceof BadImageError && error.message === (expected as Error).message,
    );
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

void describe('compressImage: a large photo encoded and measured while its pixels are mapped', () => {
  const china = readFileSync(new URL('../../../samples/china.jpg', import.meta.url));

  /** The pixels an indexed result stands for, as libvips decodes them from RGB. */
  function expand(palette: Uint8Array, indices: Uint8Array): Buffer {
    const out = Buffer.alloc(indices.length * 3);
    for (let p = 0; p < indices.length; p++) out.set(palette.subarray(indices[p]! * 3, indices[p]! * 3 + 3), p * 3);
    return out;
  }

  void test('4.3 MP, K=16 and 256: the PNG holds the result exactly, SSIM and timings as measured after the fact', async () => {
    const large = await sharp(china).resize(2400, 1800).jpeg({ quality: 90 }).toBuffer();
    const source = await decodeImage(large, limits);
    for (const k of [16, 256]) {
      const compressed = await compressImage(large, { ...DEFAULT_PARAMS, k }, limits);
      const { palette, indices } = compressed.result;
      const { data, info } = await sharp(compressed.output.bytes).raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.channels, 3);
      assert.ok(data.equals(expand(palette, indices)), `K=${k}: the decoded PNG is the palette and indices returned`);
      assert.equal(compressed.output.bitDepth, k === 16 ? 4 : 8);
      const ssim = measureSsim(source.data, source.channels, source.width, source.height, indices, palette);
      assert.equal(compressed.result.stats.ssim, ssim, `K=${k}: SSIM`);
      const { quantize, quality, encode } = compressed.timingsMs;
      assert.ok(quantize > 0 && quality > 0 && encode > 0, JSON.stringify(compressed.timingsMs));
    }
    // With a quality target the palette may change after mapping: encoded afterwards, as before.
    const targeted = await compressImage(large, { ...DEFAULT_PARAMS, k: 64, targetPsnr: 30 }, limits);
    const { palette, indices } = targeted.result;
    assert.ok((await sharp(targeted.output.bytes).raw().toBuffer()).equals(expand(palette, indices)), 'with a target');
  });
});
