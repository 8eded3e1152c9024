/**
 * The parameters are the contract's: producers, workers, the CLI and the dashboard read them here,
 * and nothing here loads an image library. The quantizer (kmeans-core) checks its own algorithm
 * limits again at its edge; these are the product's limits, the one place a parameter's range,
 * default and meaning are written (the README's table and `--help` follow them).
 */

/** Where colours are clustered and matched. */
export const COLOR_SPACES = ['rgb', 'oklab'] as const;
export type ColorSpace = (typeof COLOR_SPACES)[number];

/** What a worker writes. */
export const OUTPUT_FORMATS = ['png', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Each integer parameter's range. */
export const PARAM_LIMITS = Object.freeze({
  k: { min: 2, max: 256 },
  seed: { min: 0, max: 0xffffffff },
  batchSize: { min: 16, max: 1 << 20 },
  maxSteps: { min: 0, max: 100_000 },
  lloydIterations: { min: 0, max: 10_000 },
});

/**
 * The compression parameters: the same names on the command line (`--k`, `--color-space` …),
 * in job payloads and in the metadata document. Every field has a documented default.
 */
export interface CompressParams {
  /** Palette size, 2–256. Default 16. */
  readonly k: number;
  /** Seed of k-means' random choices. Default 1. */
  readonly seed: number;
  /** Clustering space. Default "rgb": it minimises the RGB error that PSNR reports; "oklab" is perceptual. */
  readonly colorSpace: ColorSpace;
  /** Floyd–Steinberg dithering. Default false. */
  readonly dither: boolean;
  /** Output format. Default "png" (indexed, smallest bit depth holding the palette). */
  readonly format: OutputFormat;
  /** Unique colours per mini-batch step. Default 1024. */
  readonly batchSize: number;
  /** Maximum mini-batch steps. Default 100. */
  readonly maxSteps: number;
  /** Maximum exact Lloyd passes. Default 60. */
  readonly lloydIterations: number;
  /**
   * Quality target in dB: the palette is the smallest K in [2, k] whose written output reaches
   * this PSNR (target-search.ts); an image that misses it even at k fails with `quality-too-low`.
   * 1–99, or null for a fixed K. Default null. (A perceptual twin, targetSsim, would sit beside it.)
   */
  readonly targetPsnr: number | null;
  /**
   * Perceptual quality target: the smallest K in [2, k] whose written output reaches this mean SSIM
   * of luma (0.5–0.9999, the figure every metadata document carries as quality.ssim); as
   * targetPsnr otherwise, and not together with it. Default null.
   */
  readonly targetSsim: number | null;
  /** Write no image when the output would be at least as large as the source (outcome "kept-original"). Default false. */
  readonly skipIfLarger: boolean;
}

export const DEFAULT_PARAMS: CompressParams = Object.freeze({
  k: 16,
  seed: 1,
  colorSpace: 'rgb',
  dither: false,
  format: 'png',
  batchSize: 1024,
  maxSteps: 100,
  lloydIterations: 60,
  targetPsnr: null,
  targetSsim: null,
  skipIfLarger: false,
});

/** The parameters added after job hashes existed: left out of a fingerprint while at their default. */
export const PARAMS_OMITTED_AT_DEFAULT: readonly (keyof CompressParams)[] = ['targetPsnr', 'targetSsim', 'skipIfLarger'];

/** The bounds of targetSsim (mean SSIM of luma; 1 is identical). */
export const TARGET_SSIM_RANGE = Object.freeze({ min: 0.5, max: 0.9999 });

/** The bounds of targetPsnr, in dB. */
export const TARGET_PSNR_RANGE = Object.freeze({ min: 1, max: 99 });

/** Thrown for a parameter outside its range; permanent (never retried). */
export class InvalidParamsError extends Error {
  override readonly name = 'InvalidParamsError';
  readonly code = 'invalid-params';
  readonly permanent = true;
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Fills defaults and checks every parameter, so that a bad one fails before any download or
 * decoding. Messages name the parameter, the expected range and the value received.
 */
export function resolveParams(input: Partial<Record<keyof CompressParams, unknown>>): CompressParams {
  const value = <K extends keyof CompressParams>(name: K): unknown =>
    input[name] === undefined ? DEFAULT_PARAMS[name] : input[name];
  const params = {
    k: integer('k', value('k'), PARAM_LIMITS.k),
    seed: integer('seed', value('seed'), PARAM_LIMITS.seed),
    colorSpace: oneOf('colorSpace', value('colorSpace'), COLOR_SPACES),
    dither: bool('dither', value('dither')),
    format: oneOf('format', value('format'), OUTPUT_FORMATS),
    batchSize: integer('batchSize', value('batchSize'), PARAM_LIMITS.batchSize),
    maxSteps: integer('maxSteps', value('maxSteps'), PARAM_LIMITS.maxSteps),
    lloydIterations: integer('lloydIterations', value('lloydIterations'), PARAM_LIMITS.lloydIterations),
    targetPsnr: nullableNumber('targetPsnr', value('targetPsnr'), TARGET_PSNR_RANGE.min, TARGET_PSNR_RANGE.max),
    targetSsim: nullableNumber('targetSsim', value('targetSsim'), TARGET_SSIM_RANGE.min, TARGET_SSIM_RANGE.max),
    skipIfLarger: bool('skipIfLarger', value('skipIfLarger')),
  };
  if (params.targetPsnr !== null && params.targetSsim !== null) {
    throw new InvalidParamsError(
      'targetSsim',
      `targetSsim cannot be combined with targetPsnr: one quality target at a time, received targetPsnr ${params.targetPsnr} and targetSsim ${params.targetSsim}`,
    );
  }
  if (params.targetSsim !== null && params.dither) {
    throw new InvalidParamsError(
      'targetSsim',
      `targetSsim cannot be combined with dither: the target search measures undithered output, received targetSsim ${params.targetSsim} and dither true`,
    );
  }
  if (params.targetPsnr !== null && params.dither) {
    // The search measures whole palette entries; error diffusion changes every pixel's entry.
    throw new InvalidParamsError(
      'targetPsnr',
      `targetPsnr cannot be combined with dither: the target search measures undithered output, received targetPsnr ${params.targetPsnr} and dither true`,
    );
  }
  const unknown = Object.keys(input).filter((key) => !Object.hasOwn(DEFAULT_PARAMS, key));
  if (unknown.length > 0) throw new InvalidParamsError(unknown[0]!, `unknown parameter ${unknown.join(', ')}`);
  return Object.freeze(params);
}

function integer(name: string, value: unknown, { min, max }: { min: number; max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParamsError(name, mustBe(name, `an integer between ${min} and ${max}`, value));
  }
  return value;
}

function nullableNumber(name: string, value: unknown, min: number, max: number): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidParamsError(name, mustBe(name, `null or a number between ${min} and ${max}`, value));
  }
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidParamsError(name, mustBe(name, `one of ${allowed.join(', ')}`, value));
  }
  return value as T;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidParamsError(name, mustBe(name, 'true or false', value));
  return value;
}

/** "k must be an integer between 2 and 256, received 300": input, expectation and value. */
function mustBe(name: string, expected: string, received: unknown): string {
  const shown =
    typeof received === 'string'
      ? JSON.stringify(received)
      : received === null || ['number', 'boolean', 'undefined', 'bigint'].includes(typeof received)
        ? String(received)
        : Array.isArray(received)
          ? `an array of length ${received.length}`
          : typeof received;
  return `${name} must be ${expected}, received ${shown}`;
}
