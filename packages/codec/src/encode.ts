import sharp from 'sharp';
import { assertNever } from './assert-never.js';
import { bitDepthFor, encodeIndexedPngInParts, type IndexedImage } from './indexed-png.js';

/**
 * Pieces a large PNG's deflate is split into, compressed at once on libuv's thread pool: two
 * halve its time on a one-shot compress (the thread pool has 4 threads, the machines 2+ cores);
 * in a worker, where every core already has a job, they cost no more CPU than one.
 */
const DEFLATE_PARTS = 2;

/** Output formats: an indexed PNG, or lossless WebP (libwebp picks its palette mode). */
export type OutputFormat = 'png' | 'webp';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'webp'];

export interface EncodedImage {
  readonly bytes: Buffer;
  readonly format: OutputFormat;
  /** Bits per index for PNG; 8 for WebP (it stores its own palette bundle). */
  readonly bitDepth: number;
  readonly extension: string;
}

export interface EncodeMemory {
  /** For a PNG's filtered scanlines (indexed-png.ts scanlineBytes): memory allocated ahead by the caller. */
  readonly scanlines?: Uint8Array | undefined;
}

export async function encodeImage(image: IndexedImage, format: OutputFormat, memory: EncodeMemory = {}): Promise<EncodedImage> {
  switch (format) {
    case 'png':
      return {
        bytes: await encodeIndexedPngInParts(image, DEFLATE_PARTS, { scanlines: memory.scanlines }),
        format,
        bitDepth: bitDepthFor(image.palette.length / 3),
        extension: '.png',
      };
    case 'webp': {
      const channels = image.paletteAlpha ? 4 : 3;
      const raw = expandPalette(image, channels);
      const bytes = await sharp(raw, { raw: { width: image.width, height: image.height, channels } })
        .webp({ lossless: true, effort: 4 })
        .toBuffer();
      return { bytes, format, bitDepth: 8, extension: '.webp' };
    }
    default:
      return assertNever(format);
  }
}

/** Pixels of an indexed image as RGB or RGBA bytes. */
export function expandPalette(image: IndexedImage, channels: 3 | 4): Buffer {
  const { palette, paletteAlpha, indices } = image;
  const out = Buffer.alloc(indices.length * channels);
  for (let p = 0, o = 0; p < indices.length; p++, o += channels) {
    const e = indices[p]!;
    out[o] = palette[e * 3]!;
    out[o + 1] = palette[e * 3 + 1]!;
    out[o + 2] = palette[e * 3 + 2]!;
    if (channels === 4) out[o + 3] = paletteAlpha ? paletteAlpha[e]! : 255;
  }
  return out;
}
