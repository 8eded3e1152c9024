import { encodeIndexedPng } from '@kpress/codec';
import { createRandom, quantize } from '@kpress/kmeans-core';

/**
 * Runs the quantizer's hot paths on a synthetic photo-like image, so that V8 has optimised them
 * before the first real job: a fresh thread otherwise spends its first images in unoptimised
 * code. Takes a few hundred milliseconds once per thread, at start-up.
 */
export function warmUpQuantizer(): void {
  const width = 256;
  const height = 192;
  const data = new Uint8Array(width * height * 3);
  const random = createRandom(7);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      // Smooth gradients plus noise: tens of thousands of distinct colours, like a photo.
      data[o] = (x + random.below(24)) & 255;
      data[o + 1] = (y + random.below(24)) & 255;
      data[o + 2] = ((x + y) / 2 + random.below(24)) & 255;
    }
  }
  for (const k of [16, 256]) {
    const result = quantize({ data, width, height, channels: 3 }, { k });
    encodeIndexedPng({ width, height, ...result });
  }
}
