import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeImage } from '@kpress/codec';
import { measureQuality, measureSsim, quantize, type QuantizeImage, type QuantizeResult } from '@kpress/kmeans-core';
import sharp from 'sharp';
import { compressImage } from './compress-image.js';
import { resolveParams } from '@kpress/job-contract';
import { QualityTooLowError } from './quality-too-low-error.js';
import { entryStats, mergedPalette, wardMerges } from './palette-hierarchy.js';
import { searchTarget } from './target-search.js';

/** A small photo-like image: smooth gradients, a few blobs and a little deterministic noise. */
function photoLike(width: number, height: number, seed: number): QuantizeImage {
  const data = new Uint8Array(width * height * 3);
  let state = seed;
  const noise = (): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return ((state >>> 16) % 5) - 2;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const blob = Math.hypot(x - width / 3, y - height / 2) < width / 4 ? 90 : 0;
      const light = (200 * x) / width + (40 * y) / height;
      data[o] = clamp(light + blob + noise());
      data[o + 1] = clamp(0.6 * light + 40 + noise());
      data[o + 2] = clamp(90 + 40 * Math.sin((x + y + seed) / 9) - blob / 2 + noise());
    }
  }
  return { data, width, height, channels: 3 };
}

function clamp(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}

/** PSNR of the real pixels drawn with the palette of K from the hierarchy, measured pixel by pixel. */
function measuredPsnrAt(image: QuantizeImage, k: number, base: QuantizeResult): number {
  const stats = entryStats(image.data, image.channels, base.indices, base.paletteAlpha, base.palette.length / 3);
  const merged = mergedPalette(stats, wardMerges(stats), k);
  const indices = Uint8Array.from(base.indices, (e) => merged.entryToColour[e]!);
  return measureQuality(image.data, image.channels, indices, merged.palette).psnr;
}

void describe('searchTarget', () => {
  const images = [photoLike(40, 30, 1), photoLike(32, 32, 7), photoLike(24, 48, 42)];
  const cases: [number, number][] = [
    [26, 16],
    [30, 32],
    [33, 64],
    [37, 128],
  ];
  for (const [index, image] of images.entries()) {
    for (const [targetDb, maxK] of cases) {
      void test(`image ${index}, target ${targetDb} dB, k ≤ ${maxK}: the smallest K a scan of every K finds`, () => {
        const base = quantize(image, { k: maxK, seed: 1 });
        const search = searchTarget(image, base, { metric: 'psnr', value: targetDb });
        const entries = base.palette.length / 3;
        let scanned: number | null = null;
        for (let k = 2; k <= entries && scanned === null; k++) {
          if (measuredPsnrAt(image, k, base) >= targetDb) scanned = k;
        }
        assert.equal(search.k, scanned, `search chose ${search.k}, the scan ${scanned}`);
        assert.notEqual(search.k, null, 'the case should have an answer');
        if (search.result !== null) {
          // What is written reaches the target, measured on the real pixels.
          const written = measureQuality(image.data, image.channels, search.result.indices, search.result.palette);
          assert.ok(written.psnr >= targetDb, `written PSNR ${written.psnr} < ${targetDb}`);
          assert.ok(search.result.palette.length / 3 <= search.k!);
          assert.ok(Math.abs(written.psnr - search.result.stats.psnr) < 1e-6);
        }
        // A binary search: about log2(entries) steps, not a scan.
        assert.ok(search.steps.length <= Math.ceil(Math.log2(entries)) + 2, `${search.steps.length} steps`);
      });
    }
  }

  for (const [index, image] of images.entries()) {
    for (const targetSsim of [0.8, 0.9, 0.95]) {
      void test(`image ${index}, target SSIM ${targetSsim}, k ≤ 64: the smallest K a scan of every K finds, measured on what is written`, () => {
        const base = quantize(image, { k: 64, seed: 1 });
        const search = searchTarget(image, base, { metric: 'ssim', value: targetSsim });
        const stats = entryStats(image.data, image.channels, base.indices, base.paletteAlpha, base.palette.length / 3);
        const merges = wardMerges(stats);
        const ssimAt = (k: number): number => {
          const merged = mergedPalette(stats, merges, k);
          const indices = Uint8Array.from(base.indices, (e) => merged.entryToColour[e]!);
          return measureSsim(image.data, image.channels, image.width, image.height, indices, merged.palette);
        };
        let scanned: number | null = null;
        for (let k = 2; k <= base.palette.length / 3 && scanned === null; k++) if (ssimAt(k) >= targetSsim) scanned = k;
        assert.equal(search.k, scanned, `search chose ${search.k}, the scan ${scanned}`);
        assert.ok(search.result !== null);
        const written = measureSsim(
          image.data,
          image.channels,
          image.width,
          image.height,
          search.result.indices,
          search.result.palette,
        );
        assert.ok(written >= targetSsim, `written SSIM ${written} < ${targetSsim}`);
        assert.ok(
          search.steps.every((step) => typeof step.ssim === 'number'),
          'each step records the SSIM it measured',
        );
      });
    }
  }

  void test('a target no K reaches gives no K and the best PSNR', () => {
    const image = photoLike(40, 30, 3);
    const base = quantize(image, { k: 8, seed: 1 });
    const search = searchTarget(image, base, { metric: 'psnr', value: 60 });
    assert.equal(search.k, null);
    assert.equal(search.result, null);
    assert.ok(search.bestPsnr > 20 && search.bestPsnr < 60);
  });
});

void describe('compressImage with targetPsnr', () => {
  const png = async (image: QuantizeImage): Promise<Buffer> =>
    sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: image.channels } })
      .png()
      .toBuffer();

  void test('writes the smallest K reaching the target, and its PSNR is what the file holds', async () => {
    const input = await png(photoLike(48, 40, 5));
    const compressed = await compressImage(input, resolveParams({ k: 64, targetPsnr: 34 }), { maxPixels: 1e6 });
    assert.ok(compressed.target !== null);
    assert.equal(compressed.target.psnr, 34);
    assert.ok(compressed.target.k >= 2 && compressed.target.k < 64, `k ${compressed.target.k}`);
    assert.ok(compressed.target.steps.some((step) => step.k === compressed.target!.k));
    const written = await decodeImage(compressed.output.bytes, { maxPixels: 1e6 });
    const source = await decodeImage(input, { maxPixels: 1e6 });
    let sum = 0;
    for (let i = 0; i < source.data.length; i++) sum += (source.data[i]! - written.data[i]!) ** 2;
    const psnr = 10 * Math.log10((255 * 255) / (sum / source.data.length));
    assert.ok(psnr >= 34, `file PSNR ${psnr}`);
    assert.ok(Math.abs(psnr - compressed.result.stats.psnr) < 1e-6);
    assert.ok(compressed.result.palette.length / 3 <= compressed.target.k);
  });

  void test('a target even k misses throws QualityTooLowError (permanent) with the best PSNR', async () => {
    const input = await png(photoLike(48, 40, 5));
    await assert.rejects(compressImage(input, resolveParams({ k: 4, targetPsnr: 45 }), { maxPixels: 1e6 }), (error: unknown) => {
      assert.ok(error instanceof QualityTooLowError);
      assert.equal(error.code, 'quality-too-low');
      assert.equal(error.permanent, true);
      assert.match(error.message, /^the best PSNR reached, \d+\.\d\d dB with k 4, is below the target of 45 dB/);
      return true;
    });
  });

  void test('targetSsim: the written file reaches the SSIM asked for; an SSIM even k misses fails naming --target-ssim', async () => {
    const input = await png(photoLike(48, 40, 5));
    const compressed = await compressImage(input, resolveParams({ k: 64, targetSsim: 0.95 }), { maxPixels: 1e6 });
    assert.ok(compressed.target !== null);
    assert.deepEqual([compressed.target.ssim, compressed.target.psnr], [0.95, null]);
    assert.ok(compressed.result.stats.ssim >= 0.95, `ssim ${compressed.result.stats.ssim}`);
    assert.ok(compressed.result.palette.length / 3 <= compressed.target.k && compressed.target.k < 64);
    await assert.rejects(
      compressImage(input, resolveParams({ k: 2, targetSsim: 0.9999 }), { maxPixels: 1e6 }),
      (error: unknown) => {
        assert.ok(error instanceof QualityTooLowError);
        assert.match(
          error.message,
          /^the best SSIM reached, 0\.\d{4} with k 2, is below the target of 0\.9999 \(--target-ssim\)/,
        );
        return true;
      },
    );
    assert.throws(() => resolveParams({ targetSsim: 0.9, targetPsnr: 30 }), /one quality target at a time/);
  });

  void test('skipIfLarger: an output at least as large as its source is "kept-original"', async () => {
    // A 4-colour PNG source is already small; quantizing it to 16 colours cannot beat it by much.
    const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png({ palette: true, colours: 2 })
      .toBuffer();
    const kept = await compressImage(tiny, resolveParams({ skipIfLarger: true }), { maxPixels: 1e6 });
    assert.equal(kept.outcome, kept.output.bytes.length >= tiny.length ? 'kept-original' : 'compressed');
    const photo = await sharp(Buffer.from(photoLike(64, 64, 2).data), { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg({ quality: 30 })
      .toBuffer();
    const larger = await compressImage(photo, resolveParams({ k: 256, skipIfLarger: true }), { maxPixels: 1e6 });
    assert.ok(larger.output.bytes.length >= photo.length, `${larger.output.bytes.length} < ${photo.length}`);
    assert.equal(larger.outcome, 'kept-original');
    const without = await compressImage(photo, resolveParams({ k: 256 }), { maxPixels: 1e6 });
    assert.equal(without.outcome, 'compressed');
  });
});
