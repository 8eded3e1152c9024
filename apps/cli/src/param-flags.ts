import { type CompressParams, resolveParams, InvalidParamsError } from '@kpress/job-contract';
import { parseDecimalInteger } from './integer-flag.js';
import { UsageError } from './usage-error.js';

/** The parameter flags every command shares (docs/contract.md "Params"), for node:util parseArgs. */
export const PARAM_FLAGS = {
  k: { type: 'string' },
  seed: { type: 'string' },
  'color-space': { type: 'string' },
  dither: { type: 'boolean' },
  format: { type: 'string' },
  'batch-size': { type: 'string' },
  'max-steps': { type: 'string' },
  'lloyd-iterations': { type: 'string' },
  'target-psnr': { type: 'string' },
  'target-ssim': { type: 'string' },
  'skip-if-larger': { type: 'boolean' },
} as const;

export const PARAM_HELP = `Parameters:
  --k N                 palette size, 2–256 (default 16)
  --seed N              seed of k-means' random choices (default 1)
  --color-space S       rgb | oklab (default rgb: minimises the RGB error PSNR reports)
  --dither              Floyd–Steinberg dithering (default off)
  --format F            png | webp (default png: indexed, smallest bit depth holding K)
  --batch-size N        unique colours per mini-batch step (default 1024)
  --max-steps N         maximum mini-batch steps (default 100)
  --lloyd-iterations N  maximum exact Lloyd passes (default 60)
  --target-psnr DB      the smallest K in [2, --k] whose output reaches DB dB PSNR (1–99; default off;
                        --k then defaults to 256);
                        if even --k misses it, the image fails as quality-too-low and nothing is written
  --target-ssim S       the same for a perceptual target: mean SSIM of luma S (0.5–0.9999, the
                        metadata's quality.ssim); not together with --target-psnr
  --skip-if-larger      write no image when it would not be smaller than its source ("kept-original")`;

type ParamValues = { [K in keyof typeof PARAM_FLAGS]?: (typeof PARAM_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * Turns parsed flag values into validated parameters; a bad value is a usage error naming its flag.
 * Ranges live in one place, resolveParams: text that is not a plain decimal integer goes to it as
 * text, so its message gives the range and the text received.
 */
export function paramsFromFlags(values: ParamValues): CompressParams {
  const integer = (raw: string | undefined): number | string | undefined =>
    raw === undefined ? undefined : (parseDecimalInteger(raw) ?? raw);
  try {
    // A quality target searches K in [2, --k]: without --k, the whole range up to 256.
    const targeted = values['target-psnr'] !== undefined || values['target-ssim'] !== undefined;
    const k = values.k === undefined && targeted ? 256 : integer(values.k);
    return resolveParams({
      k,
      seed: integer(values.seed),
      colorSpace: values['color-space'],
      dither: values.dither,
      format: values.format,
      batchSize: integer(values['batch-size']),
      maxSteps: integer(values['max-steps']),
      lloydIterations: integer(values['lloyd-iterations']),
      targetPsnr: decimal(values['target-psnr']),
      targetSsim: decimal(values['target-ssim']),
      skipIfLarger: values['skip-if-larger'],
    });
  } catch (error) {
    if (error instanceof InvalidParamsError) {
      const flag = `--${toFlag(error.param)}`;
      // "k must be …" becomes "--k must be …"; other messages keep the flag in front.
      throw new UsageError(
        error.message.startsWith(`${error.param} `)
          ? `${flag}${error.message.slice(error.param.length)}`
          : `${flag}: ${error.message}`,
      );
    }
    throw error;
  }
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** A plain decimal number ("38", "38.5"); other text goes to resolveParams as text, which names it. */
function decimal(raw: string | undefined): number | string | undefined {
  return raw === undefined ? undefined : DECIMAL.test(raw) ? Number(raw) : raw;
}

function toFlag(param: string): string {
  return param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
