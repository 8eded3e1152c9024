import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { floydSteinberg } from './dither.js';
import { quantize, type QuantizeImage } from './index.js';
import { blurredPsnr, expandIndices } from './testing/blurred-psnr.js';

function loadBird(): QuantizeImage {
  const data = new Uint8Array(readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url)));
  return { data, width: 128, height: 128, channels: 3 };
}

function blurredScore(image: QuantizeImage, dither: boolean, k: number, colorSpace: 'rgb' | 'oklab'): number {
  const result = quantize(image, { k, seed: 1, dither, colorSpace });
  return blurredPsnr(image.data as Uint8Array, expandIndices(result.indices, result.palette), image.width, image.height);
}

void describe('dithering improves what the eye sees (PSNR after a Gaussian blur, σ 1.5 px)', () => {
  for (const colorSpace of ['rgb', 'oklab'] as const) {
    for (const k of [8, 16, 64]) {
      void test(`bird_small, k=${k}, ${colorSpace}: dithered at least 0.5 dB above undithered`, () => {
        const bird = loadBird();
        const plain = blurredScore(bird, false, k, colorSpace);
        const dithered = blurredScore(bird, true, k, colorSpace);
        assert.ok(dithered >= plain + 0.5, `dithered ${dithered.toFixed(2)} dB, undithered ${plain.toFixed(2)} dB`);
      });
    }
  }
});

void describe('dithering error does not run away where the palette cannot reach', () => {
  // Saturated red the palette cannot reach above a mid grey it holds exactly.
  const width = 64;
  const height = 64;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(p < (width * height) / 2 ? [255, 0, 0] : [128, 128, 128], p * 3);
  const palette = Uint8Array.from([160, 40, 40, 128, 128, 128, 0, 0, 0, 255, 255, 255]);
  const base = new Uint8Array(width * height);

  for (const colorSpace of ['rgb', 'oklab'] as const) {
    void test(`${colorSpace}: the red half takes the red entry everywhere, the grey half (after two rows) the grey one`, () => {
      const indices = floydSteinberg(data, 3, width, height, palette, null, colorSpace, base, 0);
      const counts = (from: number, to: number): number[] => {
        const seen = [0, 0, 0, 0];
        for (let p = from * width; p < to * width; p++) seen[indices[p]!]!++;
        return seen;
      };
      assert.deepEqual(counts(0, height / 2), [(width * height) / 2, 0, 0, 0]);
      assert.deepEqual(counts(height / 2 + 2, height), [0, width * (height / 2 - 2), 0, 0]);
    });
  }
});
