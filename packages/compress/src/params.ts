import { OUTPUT_FORMATS, type OutputFormat } from '@kpress/codec';
import { type ColorSpace, COLOR_SPACES, InvalidOptionError, QUANTIZE_DEFAULTS } from '@kpress/kmeans-core';

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
  /** Write no image when the output would be at least as large as the source (outcome "kept-original"). Default false. */
  readonly skipIfLarger: boolean;
}

export const DEFAULT_PARAMS: CompressParams = Object.freeze({
  k: QUANTIZE_DEFAULTS.k,
  seed: QUANTIZE_DEFAULTS.seed,
  colorSpace: QUANTIZE_DEFAULTS.colorSpace,
  dither: QUANTIZE_DEFAULTS.dither,
  format: 'png',
  batchSize: QUANTIZE_DEFAULTS.batchSize,
  maxSteps: QUANTIZE_DEFAULTS.maxSteps,
  lloydIterations: QUANTIZE_DEFAULTS.lloydIterations,
  targetPsnr: null,
  skipIfLarger: false,
});

/** The parameters added after job hashes existed: left out of a fingerprint while at their default. */
export const PARAMS_OMITTED_AT_DEFAULT: readonly (keyof CompressParams)[] = ['targetPsnr', 'skipIfLarger'];

/** The bounds of targetPsnr, in dB. */
export const TARGET_PSNR_RANGE = Object.freeze({ min: 1, max: 99 });

/** Thrown for a parameter outside its range; permanent (never retried). */
export class InvalidParamsError extends Error {
  override readonly name = 'InvalidParamsError';
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
    k: integer('k', value('k'), 2, 256),
    seed: integer('seed', value('seed'), 0, 0xffffffff),
    colorSpace: oneOf('colorSpace', value('colorSpace'), COLOR_SPACES),
    dither: bool('dither', value('dither')),
    format: oneOf('format', value('format'), OUTPUT_FORMATS),
    batchSize: integer('batchSize', value('batchSize'), 16, 1 << 20),
    maxSteps: integer('maxSteps', value('maxSteps'), 0, 100_000),
    lloydIterations: integer('lloydIterations', value('lloydIterations'), 0, 10_000),
    targetPsnr: nullableNumber('targetPsnr', value('targetPsnr'), TARGET_PSNR_RANGE.min, TARGET_PSNR_RANGE.max),
    skipIfLarger: bool('skipIfLarger', value('skipIfLarger')),
  };
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

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParamsError(name, new InvalidOptionError(name, `an integer between ${min} and ${max}`, value).message);
  }
  return value;
}

function nullableNumber(name: string, value: unknown, min: number, max: number): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidParamsError(name, new InvalidOptionError(name, `null or a number between ${min} and ${max}`, value).message);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidParamsError(name, new InvalidOptionError(name, `one of ${allowed.join(', ')}`, value).message);
  }
  return value as T;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new InvalidParamsError(name, new InvalidOptionError(name, 'true or false', value).message);
  return value;
}
