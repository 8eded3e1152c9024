import {
  decodeImage,
  encodeImage,
  type DecodedImage,
  type EncodedImage,
  type EncodeMemory,
  type IndexedImage,
  type StartedDecode,
} from '@kpress/codec';
import {
  InvalidOptionError,
  measureSsim,
  quantize,
  type QuantizeImage,
  type QuantizeResult,
  type QuantizeStats,
} from '@kpress/kmeans-core';
import { InvalidParamsError, type CompressParams } from '@kpress/job-contract';
import { DecodeTimeMemory } from './decode-time-memory.js';
import { QualityTooLowError } from './quality-too-low-error.js';
import { StreamedOutput, type StreamedResult } from './streamed-output.js';
import { searchTarget, type SearchStep } from './target-search.js';

// A type alias (not an interface) so it is assignable to Record<string, number>.
export type CompressTimings = { decode: number; quantize: number; quality: number; encode: number };

/** The quantizer's figures plus a perceptual one measured here. */
export interface CompressStats extends QuantizeStats {
  /** Mean SSIM of luma over 8×8 blocks against the source (1 = identical); see measureSsim. */
  readonly ssim: number;
}

export interface CompressedImage {
  readonly output: EncodedImage;
  readonly source: { readonly width: number; readonly height: number; readonly format: string; readonly bytes: number };
  readonly result: QuantizeResult & { readonly stats: CompressStats };
  readonly timingsMs: CompressTimings;
  /** With a quality target: the target, the K chosen and the K values the search measured. */
  readonly target: TargetOutcome | null;
  /**
   * "kept-original" when skipIfLarger is set and the output is at least as large as the source:
   * the caller then writes no image (the source stays the better file). Otherwise "compressed".
   */
  readonly outcome: CompressOutcome;
}

export type CompressOutcome = 'compressed' | 'kept-original';

export interface TargetOutcome {
  /** The PSNR target in dB (--target-psnr), or null. */
  readonly psnr: number | null;
  /** The SSIM target (--target-ssim), or null. */
  readonly ssim: number | null;
  /** Palette size chosen: the smallest K in [2, k] reaching the target. */
  readonly k: number;
  readonly steps: readonly SearchStep[];
}

export interface CompressLimits {
  /** Inputs with more pixels are refused before decoding (KPRESS_MAX_PIXELS). */
  readonly maxPixels: number;
}

export interface CompressResources {
  /**
   * A core has nothing else to do while the image decodes (a one-shot compress, this process's
   * only work): the quantizer's whole colour table is touched meanwhile too (decode-time-memory.ts).
   */
  readonly spareCore?: boolean;
  /**
   * The input's decode, already started by the caller (codec's startDecode) with the same
   * maxPixels: a one-shot compress starts it before loading this package, so that libvips decodes
   * while the quantizer's modules load. The buffers are prepared once its size is known.
   */
  readonly decoding?: StartedDecode;
}

/** Decode → k-means quantize → encode, one image in memory. CPU-bound; run it off event loops that matter. */
export async function compressImage(
  input: Buffer,
  params: CompressParams,
  limits: CompressLimits,
  resources: CompressResources = {},
): Promise<CompressedImage> {
  let mark = resources.decoding?.startedAt ?? performance.now();
  const lap = (): number => {
    const now = performance.now();
    const elapsed = now - mark;
    mark = now;
    return Math.round(elapsed * 10) / 10;
  };
  const memory = new DecodeTimeMemory(params.format, resources.spareCore === true);
  let decoded;
  try {
    decoded = await decodeWith(input, limits, memory, resources.decoding);
  } finally {
    memory.stop();
  }
  const decode = lap();
  // k-means needs 2 ≤ k ≤ pixels. A 1-pixel image is quantized as that pixel twice: the result
  // is its exact one-colour palette (a 1-bit indexed PNG), of which the first index is kept.
  const single = decoded.width * decoded.height === 1;
  const image = single ? { ...decoded, width: 2, data: Buffer.concat([decoded.data, decoded.data]) } : decoded;
  const goal =
    params.targetPsnr !== null
      ? ({ metric: 'psnr', value: params.targetPsnr } as const)
      : params.targetSsim !== null
        ? ({ metric: 'ssim', value: params.targetSsim } as const)
        : null;
  // A large photo's PNG is deflated and its SSIM measured band by band while its pixels are mapped
  // (streamed-output.ts); a quality target may replace the palette, so it waits for the end.
  const streamed =
    params.format === 'png' && goal === null && !single ? new StreamedOutput(image, memory.encodeMemory().scanlines) : undefined;
  let result: QuantizeResult;
  try {
    result = quantize(
      image,
      {
        k: Math.min(params.k, image.width * image.height),
        seed: params.seed,
        colorSpace: params.colorSpace,
        dither: params.dither,
        batchSize: params.batchSize,
        maxSteps: params.maxSteps,
        lloydIterations: params.lloydIterations,
      },
      memory.takeWorkspace(image.width * image.height),
      streamed,
    );
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new InvalidParamsError(error.option, error.message);
    throw error;
  }
  let target: TargetOutcome | null = null;
  if (goal !== null) {
    // The search starts from the palette at k just made, and merges it down (target-search.ts).
    const search = searchTarget(image, result, goal);
    if (search.k === null || search.result === null) throw new QualityTooLowError(goal, params.k, search.best);
    result = search.result;
    target = {
      psnr: goal.metric === 'psnr' ? goal.value : null,
      ssim: goal.metric === 'ssim' ? goal.value : null,
      k: search.k,
      steps: search.steps,
    };
  }
  const streamedResult = streamed?.finish(result) ?? null;
  const mappedMs = lap();
  const written = single ? { ...result, indices: result.indices.subarray(0, 1) } : result;
  const { output, ssim, timings } =
    streamedResult !== null
      ? await awaitStreamed(streamedResult, mappedMs)
      : // A stream that was given up may still be deflating from the scanlines prepared ahead: fresh memory then.
        await encodeAfterMapping(
          image,
          { ...decoded, ...written },
          result,
          params.format,
          streamed?.started ? {} : memory.encodeMemory(),
          mappedMs,
        );
  result = written;
  return {
    output,
    source: { width: decoded.width, height: decoded.height, format: decoded.format, bytes: input.length },
    result: { ...result, stats: { ...result.stats, ssim } },
    timingsMs: { decode, ...timings },
    target,
    outcome: params.skipIfLarger && output.bytes.length >= input.length ? 'kept-original' : 'compressed',
  };
}

/** Decodes `input`, or takes the decode already under way; `memory` is prepared once the size is known. */
async function decodeWith(
  input: Buffer,
  limits: CompressLimits,
  memory: DecodeTimeMemory,
  decoding: StartedDecode | undefined,
): Promise<DecodedImage> {
  if (decoding === undefined) return decodeImage(input, { maxPixels: limits.maxPixels, onDecodeStart: memory.start });
  const size = await decoding.size;
  if (size !== null) memory.start(size);
  return decoding.image;
}

/** The output, its SSIM, and the times of the steps after decoding. */
interface WrittenOutput {
  readonly output: EncodedImage;
  readonly ssim: number;
  readonly timings: Omit<CompressTimings, 'decode'>;
}

function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** A streamed output: the bands' packing and SSIM ran inside the quantizer's mapping, counted where they belong. */
async function awaitStreamed(streamed: StreamedResult, mappedMs: number): Promise<WrittenOutput> {
  const waitStarted = performance.now();
  const output = await streamed.encoding;
  const timings = {
    quantize: tenths(mappedMs - streamed.encodeMs - streamed.ssimMs),
    quality: tenths(streamed.ssimMs),
    encode: tenths(performance.now() - waitStarted + streamed.encodeMs),
  };
  return { output, ssim: streamed.ssim, timings };
}

/**
 * Encodes `written` and measures SSIM of `result` against `image` once mapping is done. The
 * encoder's deflate runs on libuv's thread pool while this thread measures SSIM: `encode` is the
 * encoder's wall time, which `quality` (the measuring) overlaps.
 */
async function encodeAfterMapping(
  image: QuantizeImage,
  written: IndexedImage,
  result: QuantizeResult,
  format: CompressParams['format'],
  memory: EncodeMemory,
  quantizeMs: number,
): Promise<WrittenOutput> {
  const encodeStarted = performance.now();
  const encoding = encodeImage(written, format, memory);
  const ssimStarted = performance.now();
  // Measured on what is written (dithered or not), at a few per cent of the quantizer's time.
  const ssim = measureSsim(image.data, image.channels, image.width, image.height, result.indices, result.palette);
  const quality = tenths(performance.now() - ssimStarted);
  const output = await encoding;
  return { output, ssim, timings: { quantize: quantizeMs, quality, encode: tenths(performance.now() - encodeStarted) } };
}
