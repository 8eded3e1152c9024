import { join } from 'node:path';
import sharp from 'sharp';
import { SAMPLES } from './repo.js';

/**
 * `count` small, distinct photos (crops of the sample photos, colour-shifted), as JPEG or PNG,
 * made deterministically. Small so end-to-end runs stay fast.
 */
export async function makePhotos(count: number, size = { width: 160, height: 120 }): Promise<{ name: string; body: Buffer }[]> {
  const sources = [join(SAMPLES, 'china.jpg'), join(SAMPLES, 'flower.jpg')];
  const photos: { name: string; body: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const width = Math.min(600, size.width * 2);
    const height = Math.min(400, size.height * 2);
    const left = (i * 37) % (640 - width);
    const top = (i * 23) % (427 - height);
    let image = sharp(sources[i % 2])
      .extract({ left, top, width, height })
      .resize(size.width, size.height)
      .modulate({ hue: (i * 29) % 360 });
    const png = i % 3 === 0;
    image = png ? image.png() : image.jpeg({ quality: 90 });
    photos.push({ name: `photo-${String(i).padStart(3, '0')}.${png ? 'png' : 'jpg'}`, body: await image.toBuffer() });
  }
  return photos;
}

/** A large photo (a mosaic of the samples), as JPEG. */
export async function makeMosaic(width: number, height: number): Promise<Buffer> {
  const tiles = [join(SAMPLES, 'china.jpg'), join(SAMPLES, 'flower.jpg')];
  const composites: sharp.OverlayOptions[] = [];
  let i = 0;
  for (let top = 0; top < height; top += 427)
    for (let left = 0; left < width; left += 640) composites.push({ input: tiles[i++ % 2]!, left, top });
  const raw = await sharp({ create: { width, height, channels: 3, background: '#000' } })
    .composite(composites)
    .raw()
    .toBuffer();
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}
