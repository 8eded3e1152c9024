// Deterministic 768×512 photos for scripts/bench-pipeline.mjs, made from samples/china.jpg and
// samples/flower.jpg (640×427): a 3:2 crop, resized up to 768×512, optionally mirrored, with a
// colour modulation, saved as JPEG quality 90. Same count ⇒ byte-identical images every run.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export const IMAGE_WIDTH = 768;
export const IMAGE_HEIGHT = 512;

/** mulberry32: a small seeded PRNG, so the archive does not depend on any kpress package. */
function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, below: (n) => Math.floor(next() * n) };
}

/**
 * `count` JPEG photos of IMAGE_WIDTH×IMAGE_HEIGHT, as { key, body, contentType }.
 * Keys look like `photos/china-007.jpg`.
 */
export async function buildPipelineImages(samplesDirectory, count) {
  const names = ['china.jpg', 'flower.jpg'];
  const originals = await Promise.all(names.map((name) => readFile(join(samplesDirectory, name))));
  const sizes = await Promise.all(originals.map((body) => sharp(body).metadata()));
  const random = createRandom(768512);
  const images = [];
  for (let i = 0; i < count; i++) {
    const which = i % 2;
    const { width, height } = sizes[which];
    // A 3:2 crop between 55 % and 100 % of the largest one the source allows.
    const maxCropWidth = Math.min(width, Math.floor((height * 3) / 2));
    const cropWidth = Math.max(120, Math.round(maxCropWidth * (0.55 + 0.45 * random.next())));
    const cropHeight = Math.min(height, Math.round((cropWidth * 2) / 3));
    const left = random.below(width - cropWidth + 1);
    const top = random.below(height - cropHeight + 1);
    let pipeline = sharp(originals[which])
      .extract({ left, top, width: cropWidth, height: cropHeight })
      .resize(IMAGE_WIDTH, IMAGE_HEIGHT, { fit: 'fill', kernel: 'lanczos3' });
    const mirror = random.below(4);
    if (mirror === 1) pipeline = pipeline.flop();
    else if (mirror === 2) pipeline = pipeline.flip();
    else if (mirror === 3) pipeline = pipeline.flip().flop();
    pipeline = pipeline.modulate({
      hue: random.below(360),
      saturation: 0.7 + random.next() * 0.6,
      brightness: 0.85 + random.next() * 0.3,
    });
    const body = await pipeline.jpeg({ quality: 90 }).toBuffer();
    const stem = names[which].replace(/\.jpg$/, '');
    images.push({ key: `photos/${stem}-${String(i + 1).padStart(3, '0')}.jpg`, body, contentType: 'image/jpeg' });
  }
  return images;
}
