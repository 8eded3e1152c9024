import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createRandom, quantize, type QuantizeImage } from './index.js';

function loadBird(): QuantizeImage {
  const data = new Uint8Array(readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url)));
  return { data, width: 128, height: 128, channels: 3 };
}

/** Uniform random RGB: 160×160 gives ~25 000 distinct colours, past quantize's coarse-to-fine threshold. */
function randomImage(seed: number, width: number, height: number): QuantizeImage {
  const random = createRandom(seed);
  return { data: Uint8Array.from({ length: width * height * 3 }, () => random.below(256)), width, height, channels: 3 };
}

interface Check {
  /** Pixels whose index is not at the minimum squared RGB distance. */
  readonly wrong: number[];
  /** Pixels with a single nearest entry whose index is not that entry. */
  readonly wrongUnique: number[];
  readonly ties: number;
}

/**
 * Brute force over every palette entry for every pixel. Entries at equal distance are all
 * correct answers: quantize matches colours before it reorders its palette by usage, so a tie
 * need not resolve to the lowest final index.
 */
function checkNearest(image: QuantizeImage, palette: Uint8Array, indices: Uint8Array): Check {
  const entries = palette.length / 3;
  const wrong: number[] = [];
  const wrongUnique: number[] = [];
  let ties = 0;
  const distances = new Float64Array(entries);
  for (let p = 0; p < indices.length; p++) {
    let best = 0;
    let bestDistance = Infinity;
    for (let e = 0; e < entries; e++) {
      const dr = image.data[3 * p]! - palette[3 * e]!;
      const dg = image.data[3 * p + 1]! - palette[3 * e + 1]!;
      const db = image.data[3 * p + 2]! - palette[3 * e + 2]!;
      const d = dr * dr + dg * dg + db * db;
      distances[e] = d;
      if (d < bestDistance) {
        bestDistance = d;
        best = e;
      }
    }
    const chosen = indices[p]!;
    assert.ok(chosen < entries, `pixel ${p}: index ${chosen} outside a ${entries}-entry palette`);
    let nearestCount = 0;
    for (let e = 0; e < entries; e++) if (distances[e] === bestDistance) nearestCount++;
    if (nearestCount > 1) ties++;
    if (distances[chosen] !== bestDistance) wrong.push(p);
    if (nearestCount === 1 && chosen !== best) wrongUnique.push(p);
  }
  return { wrong, wrongUnique, ties };
}

void describe('quantize indices equal the brute-force nearest palette entry (rgb, no dither)', () => {
  const images = { bird_small: loadBird(), 'random 160×160': randomImage(5, 160, 160) };
  for (const [name, image] of Object.entries(images)) {
    for (const k of [2, 16, 256]) {
      void test(`${name}, k=${k}`, () => {
        const result = quantize(image, { k, seed: 1, colorSpace: 'rgb', dither: false });
        const { wrong, wrongUnique } = checkNearest(image, result.palette, result.indices);
        assert.deepEqual(wrongUnique, [], `${wrongUnique.length} pixels not on their unique nearest entry`);
        assert.deepEqual(wrong, [], `${wrong.length} pixels not on a nearest entry`);
      });
    }
  }

  void test('a random image with few colours per channel (many exact ties)', () => {
    const random = createRandom(8);
    const levels = [0, 64, 128, 192, 255];
    const data = Uint8Array.from({ length: 50 * 50 * 3 }, () => levels[random.below(levels.length)]!);
    const image: QuantizeImage = { data, width: 50, height: 50, channels: 3 };
    const result = quantize(image, { k: 16, seed: 2 });
    const { wrong } = checkNearest(image, result.palette, result.indices);
    assert.deepEqual(wrong, []);
  });
});

void describe('dithering', () => {
  const bird = loadBird();
  for (const colorSpace of ['rgb', 'oklab'] as const) {
    void test(`bird_small k=16 ${colorSpace}: a valid index per pixel, different from the undithered mapping`, () => {
      const plain = quantize(bird, { k: 16, colorSpace });
      const dithered = quantize(bird, { k: 16, colorSpace, dither: true });
      // The palette is chosen before dithering, so it is the same one.
      assert.deepEqual(dithered.palette, plain.palette);
      assert.equal(dithered.indices.length, 128 * 128);
      const entries = dithered.palette.length / 3;
      for (const index of dithered.indices) assert.ok(index < entries);
      assert.notDeepEqual(dithered.indices, plain.indices);
      let changed = 0;
      for (let p = 0; p < plain.indices.length; p++) if (plain.indices[p] !== dithered.indices[p]) changed++;
      assert.ok(changed > 0.05 * plain.indices.length, `only ${changed} pixels changed`);
      // Error diffusion trades per-pixel error for mean colour: the MSE rises.
      assert.ok(dithered.stats.mse > plain.stats.mse);
    });
  }

  void test('dithering keeps the mean of a flat area close to the source, nearest mapping does not', () => {
    // Rows 0–7 grey 100, rows 8–19 black, rows 20–31 white; k=2 gives the palette [40, 255]:
    // nearest mapping paints the grey 40, error diffusion mixes 40 and 255 to about 100.
    const data = new Uint8Array(32 * 32 * 3);
    for (let p = 0; p < 32 * 32; p++) data.fill(p < 8 * 32 ? 100 : p < 20 * 32 ? 0 : 255, 3 * p, 3 * p + 3);
    const image: QuantizeImage = { data, width: 32, height: 32, channels: 3 };
    const plain = quantize(image, { k: 2 });
    const dithered = quantize(image, { k: 2, dither: true });
    assert.deepEqual(Array.from(plain.palette), [40, 40, 40, 255, 255, 255]);
    const greyMean = (result: typeof plain): number => {
      let sum = 0;
      for (let p = 0; p < 8 * 32; p++) sum += result.palette[3 * result.indices[p]!]!;
      return sum / (8 * 32);
    };
    assert.equal(greyMean(plain), 40);
    assert.ok(Math.abs(greyMean(dithered) - 100) < 5, `dithered grey mean ${greyMean(dithered)}`);
  });
});
