/** Test support: a photo-like RGB image, smooth gradients plus noise, with many distinct colours. */
import type { QuantizeImage } from '../quantize-options.js';
import { createRandom } from '../random.js';

export function photoLike(width: number, height: number, seed: number): QuantizeImage & { readonly data: Uint8Array } {
  const random = createRandom(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, o = 0; y < height; y++)
    for (let x = 0; x < width; x++, o += 3) {
      data[o] = ((x * 255) / width + random.below(20)) & 255;
      data[o + 1] = ((y * 255) / height + random.below(20)) & 255;
      data[o + 2] = (((x + y) * 128) / (width + height) + random.below(40)) & 255;
    }
  return { data, width, height, channels: 3 };
}
