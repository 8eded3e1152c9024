import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { psnrFromMse, quantize, type QuantizeImage, type QuantizeResult } from './index.js';

function loadBird(): QuantizeImage {
  const data = new Uint8Array(readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url)));
  assert.equal(data.length, 128 * 128 * 3);
  return { data, width: 128, height: 128, channels: 3 };
}

/** An RGB image of `colours` repeated `counts` times each, interleaved, `width` pixels wide. */
function imageOf(colours: number[][], counts: number[], width: number): QuantizeImage {
  const pixels: number[][] = [];
  for (let round = 0; pixels.length < counts.reduce((a, b) => a + b, 0); round++) {
    colours.forEach((colour, i) => {
      if (round < counts[i]!) pixels.push(colour);
    });
  }
  assert.equal(pixels.length % width, 0);
  return { data: Uint8Array.from(pixels.flat()), width, height: pixels.length / width, channels: 3 };
}

function paletteOf(result: QuantizeResult): number[][] {
  return Array.from({ length: result.palette.length / 3 }, (_, e) => Array.from(result.palette.subarray(3 * e, 3 * e + 3)));
}

/** Independent per-pixel RGB mean squared error of the indexed result against the source. */
function perPixelMse(image: QuantizeImage, result: QuantizeResult): number {
  let sum = 0;
  for (let p = 0; p < result.indices.length; p++) {
    const e = result.indices[p]!;
    for (let j = 0; j < 3; j++) sum += (image.data[p * 3 + j]! - result.palette[e * 3 + j]!) ** 2;
  }
  return sum / (3 * result.indices.length);
}

function usage(result: QuantizeResult): number[] {
  const counts = new Array<number>(result.palette.length / 3).fill(0);
  for (const index of result.indices) counts[index]!++;
  return counts;
}

void describe('quantize gives exact palettes under a fixed seed', () => {
  void test('4 distinct colours, k=4: the palette is those colours, most used first', () => {
    const colours = [
      [200, 30, 40],
      [10, 220, 90],
      [0, 0, 0],
      [255, 255, 255],
    ];
    const image = imageOf(colours, [10, 20, 40, 30], 10);
    for (const colorSpace of ['rgb', 'oklab'] as const) {
      const result = quantize(image, { k: 4, seed: 1, colorSpace });
      assert.deepEqual(paletteOf(result), [colours[2], colours[3], colours[1], colours[0]], colorSpace);
      assert.equal(result.paletteAlpha, null);
      assert.equal(result.stats.mse, 0);
      assert.equal(result.stats.psnr, Infinity);
      assert.equal(result.stats.uniqueColours, 4);
    }
  });

  void test('two tight, well-separated groups, k=2: the palette is their rounded means', () => {
    const colours: number[][] = [];
    const counts: number[] = [];
    // Group A: 27 colours once each, mean exactly (11, 21, 31).
    for (const r of [0, 1, 2]) for (const g of [0, 1, 2]) for (const b of [0, 1, 2]) colours.push([10 + r, 20 + g, 30 + b]);
    counts.push(...new Array<number>(27).fill(1));
    // Group B: 18 colours twice each, mean (201.33…, 101, 53).
    for (const r of [0, 1, 3]) for (const g of [0, 2]) for (const b of [0, 4, 5]) colours.push([200 + r, 100 + g, 50 + b]);
    counts.push(...new Array<number>(18).fill(2));
    const image = imageOf(colours, counts, 9);
    const result = quantize(image, { k: 2, seed: 1 });
    // Group B holds more pixels (36 against 27), so it comes first.
    assert.deepEqual(paletteOf(result), [
      [201, 101, 53],
      [11, 21, 31],
    ]);
    for (let p = 0; p < result.indices.length; p++) {
      assert.equal(result.indices[p], image.data[3 * p]! >= 200 ? 0 : 1, `pixel ${p}`);
    }
    assert.equal(result.stats.uniqueColours, 45);
  });

  void test('bird_small, k=16, seed 1, importance weighting (the default; snapshot)', () => {
    const result = quantize(loadBird(), { k: 16, seed: 1 });
    // prettier-ignore
    assert.deepEqual(Array.from(result.palette), [
      22, 23, 21, 222, 183, 116, 42, 42, 40, 249, 241, 208, 194, 155, 87, 73, 66, 66, 246, 219, 161, 150, 128, 114,
      166, 121, 54, 179, 161, 144, 117, 99, 90, 118, 85, 46, 211, 190, 188, 234, 146, 65, 99, 117, 165, 145, 184, 221,
    ]);
  });

  void test('bird_small, k=16, seed 1, colorSpace oklab, importance weighting (snapshot)', () => {
    const result = quantize(loadBird(), { k: 16, seed: 1, colorSpace: 'oklab' });
    // prettier-ignore
    assert.deepEqual(Array.from(result.palette), [
      19, 21, 18, 31, 33, 31, 224, 186, 119, 198, 167, 107, 250, 244, 200, 51, 49, 48, 116, 92, 72, 181, 141, 80,
      244, 215, 168, 82, 70, 68, 145, 123, 115, 153, 113, 55, 204, 192, 197, 165, 157, 165, 238, 145, 80, 97, 115, 167,
    ]);
  });

  void test('bird_small, k=16, seed 1, every pixel weighing the same (snapshot)', () => {
    const result = quantize(loadBird(), { k: 16, seed: 1, importance: false });
    // prettier-ignore
    assert.deepEqual(Array.from(result.palette), [
      22, 24, 21, 222, 184, 118, 43, 43, 41, 194, 156, 89, 249, 242, 209, 75, 67, 65, 246, 220, 163, 150, 127, 114,
      169, 122, 55, 179, 160, 144, 117, 98, 90, 122, 88, 46, 211, 190, 188, 235, 148, 66, 98, 116, 164, 145, 184, 221,
    ]);
  });

  void test('bird_small, k=16, seed 1, colorSpace oklab, every pixel weighing the same (snapshot)', () => {
    const result = quantize(loadBird(), { k: 16, seed: 1, colorSpace: 'oklab', importance: false });
    // prettier-ignore
    assert.deepEqual(Array.from(result.palette), [
      19, 21, 18, 31, 33, 30, 222, 184, 118, 249, 243, 200, 196, 164, 105, 50, 48, 47, 113, 89, 73, 179, 137, 76,
      244, 213, 165, 79, 68, 66, 145, 122, 115, 147, 110, 57, 202, 192, 197, 165, 156, 164, 237, 145, 79, 97, 115, 168,
    ]);
  });
});

void describe('quantize is deterministic', () => {
  void test('the same seed gives byte-identical palette and indices', () => {
    const image = loadBird();
    for (const options of [
      { k: 16, seed: 7 },
      { k: 64, seed: 3, colorSpace: 'oklab' as const },
      { k: 8, dither: true },
    ]) {
      const a = quantize(image, options);
      const b = quantize(image, options);
      assert.deepEqual(a.palette, b.palette);
      assert.deepEqual(a.indices, b.indices);
      assert.deepEqual(a.stats, b.stats);
    }
  });

  void test('a Buffer view at a byte offset, a Uint8ClampedArray and a copy give the same result', () => {
    const image = loadBird();
    const backing = Buffer.alloc(image.data.length + 13, 0xab);
    backing.set(image.data, 7);
    const view = backing.subarray(7, 7 + image.data.length);
    assert.equal(view.byteOffset % 8 === 0, false);
    const expected = quantize(image, { k: 16 });
    for (const data of [view, new Uint8ClampedArray(image.data)]) {
      const result = quantize({ ...image, data }, { k: 16 });
      assert.deepEqual(result.palette, expected.palette);
      assert.deepEqual(result.indices, expected.indices);
    }
  });
});

void describe('quantize output', () => {
  const bird = loadBird();
  for (const [k, colorSpace] of [
    [2, 'rgb'],
    [16, 'rgb'],
    [16, 'oklab'],
    [64, 'rgb'],
    [256, 'rgb'],
    [256, 'oklab'],
  ] as const) {
    void test(`bird_small k=${k} ${colorSpace}: used entries only, most used first, quality as measured`, () => {
      const result = quantize(bird, { k, colorSpace });
      const entries = result.palette.length / 3;
      assert.ok(entries >= 2 && entries <= k);
      assert.equal(result.indices.length, 128 * 128);
      const counts = usage(result);
      counts.forEach((count, entry) => assert.ok(count > 0, `entry ${entry} of ${entries} is never used`));
      for (let e = 1; e < entries; e++) assert.ok(counts[e - 1]! >= counts[e]!, `entry ${e} used more than entry ${e - 1}`);
      const mse = perPixelMse(bird, result);
      assert.equal(result.stats.mse, mse);
      assert.equal(result.stats.psnr, 10 * Math.log10((255 * 255) / mse));
      assert.equal(result.stats.iterations, result.stats.miniBatchSteps + result.stats.lloydIterations);
    });
  }

  void test('quality with dithering equals the per-pixel computation', () => {
    const result = quantize(bird, { k: 16, dither: true });
    const mse = perPixelMse(bird, result);
    assert.equal(result.stats.mse, mse);
    assert.equal(result.stats.psnr, psnrFromMse(mse));
  });

  void test('uniqueColours counts the distinct colours of the input', () => {
    const distinct = new Set<number>();
    for (let p = 0; p < 128 * 128; p++)
      distinct.add((bird.data[3 * p]! << 16) | (bird.data[3 * p + 1]! << 8) | bird.data[3 * p + 2]!);
    assert.equal(quantize(bird, { k: 16 }).stats.uniqueColours, distinct.size);
  });

  void test('more palette entries than colours reproduce the image exactly', () => {
    // 10 colours, 10×12 pixels, k=16.
    const colours = Array.from({ length: 10 }, (_, i) => [i * 25, 255 - i * 20, (i * 71) % 256]);
    const image = imageOf(colours, [30, 20, 15, 12, 10, 9, 8, 7, 5, 4], 10);
    for (const colorSpace of ['rgb', 'oklab'] as const) {
      const result = quantize(image, { k: 16, colorSpace });
      assert.equal(result.palette.length / 3, 10);
      for (let p = 0; p < result.indices.length; p++) {
        const e = result.indices[p]!;
        assert.deepEqual(result.palette.subarray(3 * e, 3 * e + 3), image.data.subarray(3 * p, 3 * p + 3));
      }
      assert.equal(result.stats.mse, 0);
      assert.equal(result.stats.psnr, Infinity);
      assert.equal(result.stats.iterations, 0);
    }
  });

  void test('a single-colour image gives a one-entry palette', () => {
    const image: QuantizeImage = { data: new Uint8Array(4 * 4 * 3).fill(77), width: 4, height: 4, channels: 3 };
    const result = quantize(image, { k: 4 });
    assert.deepEqual(Array.from(result.palette), [77, 77, 77]);
    assert.deepEqual(result.indices, new Uint8Array(16));
    assert.equal(result.stats.psnr, Infinity);
  });
});
