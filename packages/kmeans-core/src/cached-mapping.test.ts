import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapPixelsCached, sampleRows } from './cached-mapping.js';
import { createQuantizeWorkspace, createRandom, measureQuality, quantize } from './index.js';
import { photoLike } from './testing/photo-like.js';

function bruteNearest(data: Uint8Array, o: number, palette: Uint8Array): number {
  let best = Infinity;
  for (let e = 0; e < palette.length / 3; e++) {
    const d =
      (data[o]! - palette[3 * e]!) ** 2 + (data[o + 1]! - palette[3 * e + 1]!) ** 2 + (data[o + 2]! - palette[3 * e + 2]!) ** 2;
    if (d < best) best = d;
  }
  return best;
}

function distance(data: Uint8Array, o: number, palette: Uint8Array, entry: number): number {
  return (
    (data[o]! - palette[3 * entry]!) ** 2 +
    (data[o + 1]! - palette[3 * entry + 1]!) ** 2 +
    (data[o + 2]! - palette[3 * entry + 2]!) ** 2
  );
}

void describe('mapPixelsCached', () => {
  test('every pixel gets a nearest entry; usage, error and distinct colours are counted exactly', () => {
    const image = photoLike(120, 90, 3);
    const random = createRandom(4);
    const palette = Uint8Array.from({ length: 40 * 3 }, () => random.below(256));
    const mapping = mapPixelsCached(image.data, 'rgb', Float64Array.from(palette), palette, 40);
    const data = image.data as Uint8Array;
    const usage = new Float64Array(40);
    let error = 0;
    for (let p = 0; p < mapping.labels.length; p++) {
      const label = mapping.labels[p]!;
      assert.equal(distance(data, 3 * p, palette, label), bruteNearest(data, 3 * p, palette), `pixel ${p}`);
      usage[label]!++;
      error += distance(data, 3 * p, palette, label);
    }
    assert.deepEqual(mapping.usage, usage);
    assert.equal(mapping.squaredError, error);
    const distinct = new Set<number>();
    for (let o = 0; o < data.length; o += 3) distinct.add((data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!);
    assert.equal(mapping.uniqueColours, distinct.size);
  });

  test('sampleRows keeps rows 0, step, 2·step … in order', () => {
    const data = Uint8Array.from({ length: 2 * 7 * 3 }, (_, i) => i);
    const sample = sampleRows(data, 3, 2, 7, 3);
    assert.deepEqual(Array.from(sample), [...data.subarray(0, 6), ...data.subarray(18, 24), ...data.subarray(36, 42)]);
  });
});

void describe('quantize on a large photo (clustered from sampled rows, every pixel mapped exactly)', () => {
  // 2048×2048 = 4 Mpx: past the sampling threshold.
  const image = photoLike(2048, 2048, 9);
  const data = image.data as Uint8Array;
  const result = quantize(image, { k: 64, seed: 1 });

  test('the reported error is that of the written indices, over every pixel', () => {
    const measured = measureQuality(image.data, 3, result.indices, result.palette);
    assert.ok(Math.abs(measured.mse - result.stats.mse) < 1e-9 * measured.mse, `${measured.mse} vs ${result.stats.mse}`);
  });

  test('pixels sit on a nearest entry (every 97th pixel checked by brute force); entries are all used, most used first', () => {
    const entries = result.palette.length / 3;
    for (let p = 0; p < result.indices.length; p += 97) {
      assert.equal(
        distance(data, 3 * p, result.palette, result.indices[p]!),
        bruteNearest(data, 3 * p, result.palette),
        `pixel ${p}`,
      );
    }
    const usage = new Array<number>(entries).fill(0);
    for (const index of result.indices) usage[index]!++;
    assert.ok(usage.every((count) => count > 0));
    // The order is fixed before mapping, from the sampled rows' use: the whole image's use agrees
    // with it closely (Spearman's rank correlation), not pixel for pixel.
    const byUse = Array.from({ length: entries }, (_, e) => e).sort((a, b) => usage[b]! - usage[a]! || a - b);
    let squaredRankGaps = 0;
    byUse.forEach((entry, rank) => (squaredRankGaps += (entry - rank) ** 2));
    const spearman = 1 - (6 * squaredRankGaps) / (entries * (entries ** 2 - 1));
    assert.ok(spearman > 0.95, `rank correlation of position and use ${spearman.toFixed(3)}`);
  });

  test('a mapping listener is shown the final palette, then final indices row after row; the result is the same without it', () => {
    let palette: Uint8Array | null = null;
    let calls = 0;
    let last = 0;
    let middle: { done: number; prefix: Uint8Array } | null = null;
    const streamed = quantize(image, { k: 64, seed: 1 }, undefined, {
      start: (announced) => {
        assert.equal(palette, null, 'start is called once');
        palette = announced;
      },
      mapped: (indices, pixelsDone) => {
        assert.notEqual(palette, null, 'start comes first');
        assert.ok(pixelsDone > last && pixelsDone <= indices.length, `pixelsDone ${pixelsDone} after ${last}`);
        last = pixelsDone;
        calls++;
        if (middle === null && pixelsDone >= indices.length / 2)
          middle = { done: pixelsDone, prefix: indices.slice(0, pixelsDone) };
      },
    });
    assert.equal(streamed.palette, palette, 'the result carries the very palette announced');
    assert.equal(last, image.width * image.height);
    assert.ok(calls > 1);
    assert.ok(middle !== null);
    const { done, prefix } = middle as { done: number; prefix: Uint8Array };
    assert.deepEqual(prefix, streamed.indices.subarray(0, done), 'indices shown mid-way are final');
    assert.deepEqual(streamed.palette, result.palette);
    assert.deepEqual(streamed.indices, result.indices);
  });

  test('no listener call where indices change after mapping (dithering) or for a small image', () => {
    const never = {
      start: () => assert.fail('start called'),
      mapped: () => assert.fail('mapped called'),
    };
    quantize(image, { k: 16, seed: 1, dither: true }, undefined, never);
    quantize(photoLike(200, 150, 2), { k: 16, seed: 1 }, undefined, never);
  });

  test('counts the distinct colours of the whole image and is deterministic', () => {
    const distinct = new Set<number>();
    for (let o = 0; o < data.length; o += 3) distinct.add((data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!);
    assert.equal(result.stats.uniqueColours, distinct.size);
    const again = quantize(image, { k: 64, seed: 1 });
    assert.deepEqual(again.palette, result.palette);
    assert.deepEqual(again.indices, result.indices);
  });

  test('with a workspace allocated ahead: the same palette and indices, written into its buffers', () => {
    const workspace = createQuantizeWorkspace(image.width, image.height);
    assert.ok(workspace.colourTable, 'a 4-Mpx image is mapped through the colour table');
    const withWorkspace = quantize(image, { k: 64, seed: 1 }, workspace);
    assert.equal(withWorkspace.indices, workspace.indices, 'the indices are the workspace buffer, not a copy');
    assert.deepEqual(withWorkspace.palette, result.palette);
    assert.deepEqual(withWorkspace.indices, result.indices);
    assert.ok(
      workspace.colourTable.some((slot) => slot !== 0),
      'the colour table was used',
    );
  });

  test('a large graphic with few colours, some only in rows the sample skips, stays lossless', () => {
    const width = 2048;
    const height = 2048;
    const pixels = new Uint8Array(width * height * 3);
    // 200 colours: colour c fills row c (row 1, 2 … are skipped by a row sample), the rest is colour 0.
    const colour = (c: number): [number, number, number] => [c, (c * 7) & 255, (c * 13) & 255];
    for (let y = 0, o = 0; y < height; y++) for (let x = 0; x < width; x++, o += 3) pixels.set(colour(y < 200 ? y : 0), o);
    const graphic = quantize({ data: pixels, width, height, channels: 3 }, { k: 256 });
    assert.equal(graphic.palette.length / 3, 200);
    assert.equal(graphic.stats.psnr, Infinity);
  });
});
