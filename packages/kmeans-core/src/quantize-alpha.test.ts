import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createRandom, quantize, type QuantizeImage, type QuantizeResult } from './index.js';

function loadBirdRgb(): Uint8Array {
  return new Uint8Array(readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url)));
}

/** bird_small as RGBA with `alphaOf(x, y)`; transparent pixels get random RGB garbage. */
function birdWithAlpha(alphaOf: (x: number, y: number) => number): QuantizeImage {
  const rgb = loadBirdRgb();
  const random = createRandom(99);
  const data = new Uint8Array(128 * 128 * 4);
  for (let p = 0; p < 128 * 128; p++) {
    const alpha = alphaOf(p % 128, Math.floor(p / 128));
    data.set(alpha === 0 ? [random.below(256), random.below(256), random.below(256)] : rgb.subarray(3 * p, 3 * p + 3), 4 * p);
    data[4 * p + 3] = alpha;
  }
  return { data, width: 128, height: 128, channels: 4 };
}

function entryAlpha(result: QuantizeResult, pixel: number): number {
  assert.ok(result.paletteAlpha, 'paletteAlpha is null for a translucent image');
  return result.paletteAlpha[result.indices[pixel]!]!;
}

/** Per-pixel RGB mean squared error; fully transparent pixels count as exact. */
function perPixelMse(image: QuantizeImage, result: QuantizeResult): number {
  let sum = 0;
  for (let p = 0; p < result.indices.length; p++) {
    if (image.data[4 * p + 3] === 0) continue;
    const e = result.indices[p]!;
    for (let j = 0; j < 3; j++) sum += (image.data[4 * p + j]! - result.palette[3 * e + j]!) ** 2;
  }
  return sum / (3 * result.indices.length);
}

function assertTranslucentFirst(result: QuantizeResult): void {
  const alpha = Array.from(result.paletteAlpha!);
  const firstOpaque = alpha.indexOf(255);
  if (firstOpaque >= 0)
    assert.ok(
      alpha.slice(firstOpaque).every((a) => a === 255),
      `translucent entry after an opaque one: ${alpha.join(', ')}`,
    );
}

void describe('quantize with an alpha channel', () => {
  void test('few colours: transparent, translucent and opaque pixels are all reproduced exactly', () => {
    // 6×2: two fully transparent pixels with different RGB, two at alpha 128, one at alpha 1, opaque rest.
    const pixels = [
      [10, 20, 30, 0],
      [200, 100, 50, 0],
      [255, 0, 0, 128],
      [255, 0, 0, 128],
      [0, 0, 255, 1],
      [0, 255, 0, 255],
      [0, 255, 0, 255],
      [0, 255, 0, 255],
      [9, 9, 9, 255],
      [0, 255, 0, 128],
      [9, 9, 9, 255],
      [0, 255, 0, 255],
    ];
    const image: QuantizeImage = { data: Uint8Array.from(pixels.flat()), width: 6, height: 2, channels: 4 };
    const result = quantize(image, { k: 8 });
    assert.equal(result.stats.uniqueColours, 6); // the two transparent pixels count as one colour
    assert.equal(result.palette.length / 3, 6);
    pixels.forEach(([r, g, b, a], p) => {
      assert.equal(entryAlpha(result, p), a, `alpha of pixel ${p}`);
      if (a === 0) return;
      const e = result.indices[p]!;
      assert.deepEqual(Array.from(result.palette.subarray(3 * e, 3 * e + 3)), [r, g, b], `colour of pixel ${p}`);
    });
    assert.equal(result.indices[0], result.indices[1]);
    assertTranslucentFirst(result);
    assert.equal(result.stats.mse, 0);
  });

  for (const dither of [false, true]) {
    void test(`bird_small RGBA, k=16, dither ${dither}: transparency and translucency survive`, () => {
      // Columns 0–15 transparent, 16–23 at alpha 128, the rest opaque.
      const image = birdWithAlpha((x) => (x < 16 ? 0 : x < 24 ? 128 : 255));
      const result = quantize(image, { k: 16, seed: 1, dither });
      const entries = result.palette.length / 3;
      assert.ok(entries <= 16);
      assert.equal(result.paletteAlpha?.length, entries);
      for (let p = 0; p < 128 * 128; p++) {
        const a = image.data[4 * p + 3]!;
        const mapped = entryAlpha(result, p);
        if (a === 0) assert.equal(mapped, 0, `transparent pixel ${p} on entry alpha ${mapped}`);
        else if (a === 128) assert.ok(mapped > 0 && mapped < 255, `translucent pixel ${p} on entry alpha ${mapped}`);
        else assert.equal(mapped, 255, `opaque pixel ${p} on entry alpha ${mapped}`);
      }
      // One entry for all transparent pixels, whatever their RGB.
      assert.equal(result.paletteAlpha?.filter((a) => a === 0).length, 1);
      assertTranslucentFirst(result);
      assert.equal(new Set(result.indices).size, entries);
      assert.equal(result.stats.mse, perPixelMse(image, result));
    });
  }

  void test('an opaque RGBA image gives the RGB result and no alpha', () => {
    const rgb = loadBirdRgb();
    const rgba = birdWithAlpha(() => 255);
    const a = quantize(rgba, { k: 16, seed: 2 });
    const b = quantize({ data: rgb, width: 128, height: 128, channels: 3 }, { k: 16, seed: 2 });
    assert.equal(a.paletteAlpha, null);
    assert.deepEqual(a.palette, b.palette);
    assert.deepEqual(a.indices, b.indices);
    assert.equal(a.stats.mse, b.stats.mse);
  });

  void test('an entirely transparent image gives one transparent entry', () => {
    const image: QuantizeImage = {
      data: Uint8Array.from({ length: 64 }, (_, i) => (i % 4 === 3 ? 0 : i)),
      width: 4,
      height: 4,
      channels: 4,
    };
    const result = quantize(image, { k: 2 });
    assert.deepEqual(Array.from(result.paletteAlpha ?? []), [0]);
    assert.equal(result.palette.length, 3);
    assert.deepEqual(result.indices, new Uint8Array(16));
    assert.equal(result.stats.mse, 0);
  });

  void test('k=2 with transparent pixels: one entry for them, one for everything else', () => {
    const image = birdWithAlpha((x, y) => (x + y < 40 ? 0 : 255));
    const result = quantize(image, { k: 2 });
    assert.deepEqual(Array.from(result.paletteAlpha ?? []), [0, 255]);
    for (let p = 0; p < 128 * 128; p++) {
      assert.equal(result.indices[p], image.data[4 * p + 3] === 0 ? 0 : 1);
    }
  });

  void test('a smooth alpha gradient keeps alpha ordered and never maps a visible pixel to transparent', () => {
    const image = birdWithAlpha((x) => 1 + 2 * x); // 1 … 255, no pixel fully transparent
    const result = quantize(image, { k: 32, seed: 4 });
    let previousColumnMean = -1;
    for (let x = 0; x < 128; x += 16) {
      let sum = 0;
      for (let y = 0; y < 128; y++) {
        const mapped = entryAlpha(result, y * 128 + x);
        assert.ok(mapped > 0, `pixel (${x}, ${y}) at alpha ${1 + 2 * x} mapped to a transparent entry`);
        sum += mapped;
      }
      const mean = sum / 128;
      assert.ok(Math.abs(mean - (1 + 2 * x)) < 24, `column ${x}: mean alpha ${mean}, source ${1 + 2 * x}`);
      assert.ok(mean > previousColumnMean);
      previousColumnMean = mean;
    }
    assertTranslucentFirst(result);
  });
});
