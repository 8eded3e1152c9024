import type { ImageSize, OutputFormat } from '@kpress/codec';

/**
 * Peak memory of compressImage beyond its process's base, per pixel of the input, by output
 * format. Measured as VmHWM at the end − VmRSS once the input was read (Linux x64, Node 22, sharp 0.34.5, one process per
 * image, sharp.concurrency(1), cache off) on 10000×10000 = 100 MP images:
 *   gradient PNG (85 MB), k 16 → png: 8.7 B/px; k 256 + dither → png: 9.7 B/px;
 *   the same, k 16 → webp: 25.7 B/px (libvips' WebP encoder on the expanded RGB image);
 *   RGB noise JPEG (58 MB, nearly every pixel its own colour), k 16 → png: 8.9 B/px.
 * Stages: the decoded 8-bit image (3–4 B/px, with libvips' decode buffers alongside), the
 * pixel → unique-colour map (4 B/px), the labels (1–2 B/px), the PNG filter rows and deflate
 * output, or for WebP the expanded image and the encoder's own buffers. The constants round up.
 */
export const BYTES_PER_PIXEL: Readonly<Record<OutputFormat, number>> = Object.freeze({ png: 11, webp: 28 });

/** Fixed tables of the quantizer (the 2^24-entry colour table: 64 MiB) and slack. */
export const FIXED_BYTES = 96 * 2 ** 20;

/**
 * The most memory compressing an image of this size is expected to need at once, beyond its
 * process's base: the input bytes (held twice: received and decoded from) plus the stages'
 * per-pixel buffers. Only the header is needed, so a worker can admit a job before decoding it.
 */
export function estimateCompressBytes(size: ImageSize, inputBytes: number, format: OutputFormat = 'png'): number {
  const pixels = size.width * size.height;
  return FIXED_BYTES + 2 * inputBytes + pixels * BYTES_PER_PIXEL[format];
}
