import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRandom } from '@kpress/kmeans-core';
import sharp from 'sharp';

export interface DemoImage {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
}

const SAMPLES = ['bird_small.png', 'china.jpg', 'flower.jpg'] as const;
const FOLDERS = ['2024/spring', '2024/summer', '2025/winter', 'misc'] as const;

/**
 * The demo archive: the three sample images plus `generated` variants of the photos (crops,
 * sizes, rotations, colour shifts; JPEG, PNG and WebP in nested folders), made deterministically
 * so every demo run processes the same archive.
 */
export async function buildDemoArchive(samplesDirectory: string, generated: number): Promise<DemoImage[]> {
  const originals = await Promise.all(SAMPLES.map((name) => readFile(join(samplesDirectory, name))));
  const images: DemoImage[] = SAMPLES.map((name, i) => ({
    key: `samples/${name}`,
    body: originals[i]!,
    contentType: contentTypeOf(name),
  }));
  const random = createRandom(2024);
  for (let i = 0; i < generated; i++) {
    const source = originals[1 + (i % 2)]!; // the two photos
    const width = 640;
    const height = 427;
    const cropWidth = 200 + random.below(440);
    const cropHeight = Math.min(height, 150 + random.below(277));
    const left = random.below(width - cropWidth + 1);
    const top = random.below(height - cropHeight + 1);
    const format = (['jpeg', 'png', 'webp'] as const)[i % 3]!;
    let pipeline = sharp(source)
      .extract({ left, top, width: cropWidth, height: cropHeight })
      .rotate([0, 90, 180, 270][random.below(4)])
      .modulate({ hue: random.below(360), saturation: 0.6 + random.next() * 0.8, brightness: 0.8 + random.next() * 0.4 });
    pipeline =
      format === 'jpeg' ? pipeline.jpeg({ quality: 88 }) : format === 'png' ? pipeline.png() : pipeline.webp({ quality: 90 });
    const extension = format === 'jpeg' ? 'jpg' : format;
    images.push({
      key: `${FOLDERS[i % FOLDERS.length]}/photo-${String(i + 1).padStart(3, '0')}.${extension}`,
      body: await pipeline.toBuffer(),
      contentType: contentTypeOf(`x.${extension}`),
    });
  }
  images.push({
    key: 'README.txt',
    body: Buffer.from('Not an image: kpress counts it and leaves it alone.\n'),
    contentType: 'text/plain',
  });
  return images;
}

function contentTypeOf(name: string): string {
  if (name.endsWith('.png')) return 'image/png';
  if (name.endsWith('.webp')) return 'image/webp';
  return 'image/jpeg';
}
