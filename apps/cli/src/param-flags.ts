import { type CompressParams, resolveParams, InvalidParamsError } from '@kpress/compress';
import { UsageError } from './usage-error.js';

/** The parameter flags every command shares (DESIGN.md "Params"), for node:util parseArgs. */
export const PARAM_FLAGS = {
  k: { type: 'string' },
  seed: { type: 'string' },
  'color-space': { type: 'string' },
  dither: { type: 'boolean' },
  format: { type: 'string' },
  'batch-size': { type: 'string' },
  'max-steps': { type: 'string' },
  'lloyd-iterations': { type: 'string' },
} as const;

export const PARAM_HELP = `Parameters:
  --k N                 palette size, 2–256 (default 16)
  --seed N              seed of k-means' random choices (default 1)
  --color-space S       rgb | oklab (default rgb: minimises the RGB error PSNR reports)
  --dither              Floyd–Steinberg dithering (default off)
  --format F            png | webp (default png: indexed, smallest bit depth holding K)
  --batch-size N        unique colours per mini-batch step (default 1024)
  --max-steps N         maximum mini-batch steps (default 100)
  --lloyd-iterations N  maximum exact Lloyd passes (default 60)`;

type ParamValues = { [K in keyof typeof PARAM_FLAGS]?: (typeof PARAM_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** Turns parsed flag values into validated parameters; a bad value is a usage error naming its flag. */
export function paramsFromFlags(values: ParamValues): CompressParams {
  const number = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value))
      throw new UsageError(`--${flag} must be a number, received ${JSON.stringify(raw)}`);
    return value;
  };
  try {
    return resolveParams({
      k: number('k', values.k),
      seed: number('seed', values.seed),
      colorSpace: values['color-space'],
      dither: values.dither,
      format: values.format,
      batchSize: number('batch-size', values['batch-size']),
      maxSteps: number('max-steps', values['max-steps']),
      lloydIterations: number('lloyd-iterations', values['lloyd-iterations']),
    });
  } catch (error) {
    if (error instanceof InvalidParamsError) throw new UsageError(`--${toFlag(error.param)}: ${error.message}`);
    throw error;
  }
}

function toFlag(param: string): string {
  return param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
