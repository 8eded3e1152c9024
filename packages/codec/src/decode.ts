import sharp from 'sharp';
import { BadImageError } from './errors.js';
import { readableFormatOf, unsupportedFormatOf } from './unsupported-formats.js';

export interface DecodedImage {
  /** 8-bit sRGB pixels, RGB or RGBA, row-major. */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** Format sharp detected in the input (jpeg, png, webp, gif, tiff, avif, heif, svg …). */
  readonly format: string;
}

/** Width and height in pixels, as stored (before EXIF rotation). */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export interface DecodeOptions {
  /** Inputs with more pixels than this are refused from their header, before decoding. */
  readonly maxPixels: number;
  /**
   * Called once the header is read and accepted, just before decoding starts (width and height as
   * stored, before EXIF rotation): a caller can prepare for the pixels while libvips decodes them.
   * What it throws is thrown as is (not reported as a bad image).
   */
  readonly onDecodeStart?: ((size: ImageSize) => void) | undefined;
}

/**
 * Decoder warnings that mean pixels are missing: libjpeg's "Corrupt JPEG data: premature end of
 * data segment" (the entropy-coded data ends early, yet the decoder fills the rest with grey and
 * calls it a warning), "Premature end of JPEG file", and libvips' "truncated" reports. sharp's
 * `failOn: 'error'` (stricter than 'truncated') already fails on an input that simply stops; these
 * catch one that stops and then closes properly (an EOI marker after the cut).
 */
const MISSING_DATA = /premature end|truncat|unexpected end of|not enough data|out of data/i;

/**
 * libheif's answer for a compression it has no decoder for (HEVC in sharp's prebuilt libvips,
 * which ships AV1 only).
 */
const NO_DECODER = /has not been built in|no decoding plugin|unsupported codec/i;

/**
 * Decodes any image sharp reads into 8-bit sRGB: EXIF orientation applied, ICC profiles and
 * CMYK converted to sRGB, 16-bit reduced to 8-bit, the first frame of animations. An alpha
 * channel is kept only when some pixel is not opaque.
 */
export async function decodeImage(input: Buffer, options: DecodeOptions): Promise<DecodedImage> {
  const metadata = await readMetadata(input);
  const { width, height } = metadata;
  const format = metadata.format ?? 'unknown';
  if (!width || !height) throw new BadImageError('not-an-image', 'the image header has no dimensions');
  // Header dimensions are of the stored (unrotated) image; the product is what matters.
  if (width * height > options.maxPixels) {
    throw new BadImageError(
      'too-many-pixels',
      `the image has ${width}×${height} = ${width * height} pixels, more than the limit of ${options.maxPixels} (KPRESS_MAX_PIXELS)`,
    );
  }
  // Outside the try: what the caller's preparation throws (memory it could not allocate) is not a fault of the image.
  options.onDecodeStart?.({ width, height });
  try {
    const warnings: string[] = [];
    const pipeline = sharp(input, { limitInputPixels: options.maxPixels, failOn: 'error', pages: 1 })
      .rotate()
      .toColourspace('srgb');
    pipeline.on('warning', (warning: string) => warnings.push(warning));
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    // Checked after the decode (a flat-grey image decodes fast): a costlier quantization would follow.
    const missing = warnings.find((warning) => MISSING_DATA.test(warning));
    if (missing !== undefined) throw new BadImageError('corrupt-image', `the image data is truncated: ${oneLine(missing)}`);
    if (info.channels === 3) return { data, width: info.width, height: info.height, channels: 3, format };
    if (info.channels !== 4)
      throw new BadImageError('unsupported-image', `decoding gave ${info.channels} channels, expected 3 or 4`);
    if (isOpaque(data)) {
      const rgb = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
        .removeAlpha()
        .raw()
        .toBuffer();
      return { data: rgb, width: info.width, height: info.height, channels: 3, format };
    }
    return { data, width: info.width, height: info.height, channels: 4, format };
  } catch (error) {
    if (error instanceof BadImageError) throw error;
    if (NO_DECODER.test(messageOf(error))) {
      const compression = (metadata.compression ?? format).toUpperCase();
      const name = metadata.compression === 'hevc' ? 'HEIC (HEIF with HEVC compression)' : `${format} (${compression})`;
      throw new BadImageError(
        'unsupported-format',
        `${name} images cannot be decoded: this build has no ${compression} decoder`,
        {
          cause: error,
        },
      );
    }
    throw new BadImageError('corrupt-image', `the image data is corrupt or truncated: ${oneLine(messageOf(error))}`, {
      cause: error,
    });
  }
}

/** Width and height from the image header, without decoding; null when sharp cannot read one. */
/** A decode under way (startDecode): its size as soon as the header is accepted, then its pixels. */
export interface StartedDecode {
  /** performance.now() when it started. */
  readonly startedAt: number;
  /** The stored size (before EXIF rotation) once the header is read and accepted; null if it was not. */
  readonly size: Promise<ImageSize | null>;
  /** The pixels, or decodeImage's error. */
  readonly image: Promise<DecodedImage>;
}

/**
 * Starts decodeImage and returns at once: libvips decodes on its own thread while the caller goes
 * on (a one-shot compress loads the quantizer meanwhile). Whoever takes `image` gets its error;
 * until then a failure is not an unhandled rejection.
 */
export function startDecode(input: Buffer, options: Omit<DecodeOptions, 'onDecodeStart'>): StartedDecode {
  let accepted: (size: ImageSize | null) => void = () => {};
  const size = new Promise<ImageSize | null>((resolve) => (accepted = resolve));
  const startedAt = performance.now();
  const image = decodeImage(input, { ...options, onDecodeStart: accepted });
  // Settles `size` when the decode ends before a header was accepted (no-op after), and marks a failure handled.
  image.then(
    () => accepted(null),
    () => accepted(null),
  );
  return { startedAt, size, image };
}

export async function readImageSize(input: Buffer): Promise<ImageSize | null> {
  try {
    const { width, height } = await sharp(input, { limitInputPixels: false }).metadata();
    return width && height ? { width, height } : null;
  } catch {
    return null;
  }
}

async function readMetadata(input: Buffer): Promise<sharp.Metadata> {
  if (input.length === 0) throw new BadImageError('not-an-image', 'the object is empty (0 bytes)');
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const unsupported = unsupportedFormatOf(input);
    if (unsupported !== null) {
      throw new BadImageError(
        'unsupported-format',
        `${unsupported} images cannot be decoded: this build has no ${unsupported} decoder`,
        {
          cause: error,
        },
      );
    }
    const damaged = readableFormatOf(input);
    if (damaged !== null) {
      // Starts like a JPEG (or PNG…) but its header cannot be read: cut short, or corrupt.
      throw new BadImageError('corrupt-image', `the ${damaged} header is corrupt or truncated: ${oneLine(messageOf(error))}`, {
        cause: error,
      });
    }
    throw new BadImageError('not-an-image', `the bytes are not an image format kpress reads: ${oneLine(messageOf(error))}`, {
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

/** libvips joins every message of its error buffer with newlines; a reason is one line. */
function oneLine(message: string): string {
  const lines = [...new Set(message.split('\n').map((line) => line.trim()))].filter((line) => line !== '');
  const joined = lines.join('; ');
  return joined.length > 300 ? `${joined.slice(0, 297)}…` : joined;
}
