import { type ColorSpace, COLOR_SPACES } from './colour-space.js';
import { InvalidOptionError } from './errors.js';
import { boolean, byteArray, integerInRange, numberInRange, oneOf } from './validate.js';

/** An 8-bit image, row-major, tightly packed (RGB or RGBA). A Buffer works as `data`. */
export interface QuantizeImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

export interface QuantizeOptions {
  /** Palette size, 2–256 and at most the number of pixels. Default 16. */
  readonly k?: number | undefined;
  /** Seed of every random choice. Default 1. */
  readonly seed?: number | undefined;
  /** Space in which colours are clustered and matched. Default "rgb" (it minimises RGB error, the reported PSNR). */
  readonly colorSpace?: ColorSpace | undefined;
  /** Floyd–Steinberg error diffusion when mapping pixels. Default false. */
  readonly dither?: boolean | undefined;
  /**
   * Weight each pixel by its perceptual importance when choosing the palette: full weight in flat
   * areas, less in busy texture where errors hide (libimagequant's idea). Default true.
   */
  readonly importance?: boolean | undefined;
  /** Unique colours per mini-batch step. Default 1024. */
  readonly batchSize?: number | undefined;
  /** Maximum mini-batch steps (0 = none). Default 100. */
  readonly maxSteps?: number | undefined;
  /** Maximum exact Lloyd refinement passes over all unique colours (0 = none). Default 60. */
  readonly lloydIterations?: number | undefined;
  /** Lloyd stops when a pass improves the error by less than this fraction. Default 1e-4. */
  readonly tolerance?: number | undefined;
  /** Independent k-means runs, the best kept. Default: 8 for k ≤ 32, 2 for k ≤ 64, else 1. */
  readonly restarts?: number | undefined;
}

export interface ResolvedQuantizeOptions {
  readonly k: number;
  readonly seed: number;
  readonly colorSpace: ColorSpace;
  readonly dither: boolean;
  readonly importance: boolean;
  readonly batchSize: number;
  readonly maxSteps: number;
  readonly lloydIterations: number;
  readonly tolerance: number;
  readonly restarts: number;
}

export const QUANTIZE_DEFAULTS: Omit<ResolvedQuantizeOptions, 'restarts'> = Object.freeze({
  k: 16,
  seed: 1,
  colorSpace: 'rgb',
  dither: false,
  importance: true,
  batchSize: 1024,
  maxSteps: 100,
  lloydIterations: 60,
  tolerance: 1e-4,
});

/** Checks the image and every option; throws InvalidOptionError naming the first bad one. */
export function resolveQuantizeInput(image: QuantizeImage, options: QuantizeOptions): ResolvedQuantizeOptions {
  if (typeof image !== 'object' || image === null) throw new InvalidOptionError('image', 'an object', image);
  byteArray('image.data', image.data);
  const width = integerInRange('image.width', image.width, 1, 1 << 30);
  const height = integerInRange('image.height', image.height, 1, 1 << 30);
  if (image.channels !== 3 && image.channels !== 4)
    throw new InvalidOptionError('image.channels', '3 (RGB) or 4 (RGBA)', image.channels);
  const expected = width * height * image.channels;
  if (image.data.length !== expected) {
    throw new InvalidOptionError(
      'image.data',
      `${expected} bytes (${width}×${height}×${image.channels})`,
      `${image.data.length} bytes`,
    );
  }
  const k = integerInRange('k', options.k ?? QUANTIZE_DEFAULTS.k, 2, 256);
  if (k > width * height) throw new InvalidOptionError('k', `at most the number of pixels (${width * height})`, k);
  return Object.freeze({
    k,
    seed: integerInRange('seed', options.seed ?? QUANTIZE_DEFAULTS.seed, 0, 0xffffffff),
    colorSpace: oneOf('colorSpace', options.colorSpace ?? QUANTIZE_DEFAULTS.colorSpace, COLOR_SPACES),
    dither: boolean('dither', options.dither ?? QUANTIZE_DEFAULTS.dither),
    importance: boolean('importance', options.importance ?? QUANTIZE_DEFAULTS.importance),
    batchSize: integerInRange('batchSize', options.batchSize ?? QUANTIZE_DEFAULTS.batchSize, 16, 1 << 20),
    maxSteps: integerInRange('maxSteps', options.maxSteps ?? QUANTIZE_DEFAULTS.maxSteps, 0, 100_000),
    lloydIterations: integerInRange('lloydIterations', options.lloydIterations ?? QUANTIZE_DEFAULTS.lloydIterations, 0, 10_000),
    tolerance: numberInRange('tolerance', options.tolerance ?? QUANTIZE_DEFAULTS.tolerance, 0, 1),
    restarts: integerInRange('restarts', options.restarts ?? defaultRestarts(k), 1, 100),
  });
}

/** Small palettes are cheap to cluster and most sensitive to a poor local optimum. */
function defaultRestarts(k: number): number {
  return k <= 32 ? 8 : k <= 64 ? 2 : 1;
}
