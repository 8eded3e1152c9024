import sharp from 'sharp';
import { BadImageError } from './errors.js';

export interface DecodedImage {
  /** 8-bit sRGB pixels, RGB or RGBA, row-major. */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** Format sharp detected in the input (jpeg, png, webp, gif, tiff, avif, heif, svg …). */
  readonly format: string;
}

export interface DecodeOptions {
  /** Inputs with more pixels than this are refused from their header, before decoding. */
  readonly maxPixels: number;
}

/**
 * Decodes any image sharp reads into 8-bit sRGB: EXIF orientation applied, ICC profiles and
 * CMYK converted to sRGB, 16-bit reduced to 8-bit, the first frame of animations. An alpha
 * channel is kept only when some pixel is not opaque.
 */
export async function decodeImage(input: Buffer, options: DecodeOptions): Promise<DecodedImage> {
  const metadata = await readMetadata(input);
  const { width, height, format } = metadata;
  if (!width || !height) throw new BadImageError('not-an-image', 'the image header has no dimensions');
  // Header dimensions are of the stored (unrotated) image; the product is what matters.
  if (width * height > options.maxPixels) {
    throw new BadImageError(
      'too-many-pixels',
      `the image has ${width}×${height} = ${width * height} pixels, more than the limit of ${options.maxPixels} (KPRESS_MAX_PIXELS)`,
    );
  }
  try {
    const pipeline = sharp(input, { limitInputPixels: options.maxPixels, failOn: 'error', pages: 1 })
      .rotate()
      .toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels === 3) return { data, width: info.width, height: info.height, channels: 3, format: format ?? 'unknown' };
    if (info.channels !== 4)
      throw new BadImageError('unsupported-image', `decoding gave ${info.channels} channels, expected 3 or 4`);
    if (isOpaque(data)) {
      const rgb = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
        .removeAlpha()
        .raw()
        .toBuffer();
      return { data: rgb, width: info.width, height: info.height, channels: 3, format: format ?? 'unknown' };
    }
    return { data, width: info.width, height: info.height, channels: 4, format: format ?? 'unknown' };
  } catch (error) {
    if (error instanceof BadImageError) throw error;
    throw new BadImageError('corrupt-image', `the image data is corrupt or truncated: ${messageOf(error)}`, { cause: error });
  }
}

async function readMetadata(input: Buffer): Promise<sharp.Metadata> {
  if (input.length === 0) throw new BadImageError('not-an-image', 'the object is empty (0 bytes)');
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new BadImageError('not-an-image', `the bytes are not an image format kpress reads: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function isOpaque(rgba: Buffer): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
