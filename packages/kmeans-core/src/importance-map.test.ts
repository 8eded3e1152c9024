import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRandom, quantize, type QuantizeImage, type QuantizeResult } from './index.js';

/** Left half: a smooth grey ramp down the rows; right half: seeded colour noise. */
function flatBesideTexture(): QuantizeImage {
  const width = 128;
  const height = 128;
  const random = createRandom(5);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < width / 2) data.fill(Math.round((255 * y) / (height - 1)), o, o + 3);
      else for (let c = 0; c < 3; c++) data[o + c] = random.below(256);
    }
  return { data, width, height, channels: 3 };
}

function halfMse(image: QuantizeImage, result: QuantizeResult, left: boolean): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < image.height; y++)
    for (let x = left ? 0 : image.width / 2; x < (left ? image.width / 2 : image.width); x++, n++) {
      const p = y * image.width + x;
      for (let c = 0; c < 3; c++) sum += (image.data[p * 3 + c]! - result.palette[result.indices[p]! * 3 + c]!) ** 2;
    }
  return sum / (3 * n);
}

void describe('importance weighting', () => {
  for (const k of [16, 256]) {
    void test(`k=${k}: the flat ramp beside noise gets a closer fit with it than without (the noise pays)`, () => {
      const image = flatBesideTexture();
      const weighted = quantize(image, { k, seed: 1 });
      const uniform = quantize(image, { k, seed: 1, importance: false });
      const [flatWeighted, flatUniform] = [halfMse(image, weighted, true), halfMse(image, uniform, true)];
      assert.ok(
        flatWeighted < flatUniform,
        `flat half MSE ${flatWeighted.toFixed(2)} weighted, ${flatUniform.toFixed(2)} uniform`,
      );
      assert.ok(halfMse(image, weighted, false) > halfMse(image, uniform, false));
      // The reported error still counts every pixel alike.
      assert.ok(weighted.stats.mse >= uniform.stats.mse * 0.999);
    });
  }
});
