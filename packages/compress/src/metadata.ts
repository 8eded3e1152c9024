import type { CompressOutcome, CompressStats, TargetOutcome } from './compress-image.js';
import type { CompressParams } from '@kpress/job-contract';

/** Where an image came from or went to: an S3 object, or a local file (bucket null). */
export interface ObjectRef {
  readonly bucket: string | null;
  readonly key: string;
}

/** The metadata document written beside every output (docs/contract.md). */
export interface MetadataDocument {
  readonly version: 1;
  readonly runId: string | null;
  readonly jobId: string | null;
  /**
   * "compressed": the output was written. "kept-original" (skipIfLarger): it would have been at
   * least as large as the source, so no image was written; output.bytes is the size it would have had.
   */
  readonly outcome: CompressOutcome;
  readonly source: ObjectRef & { etag: string | null; bytes: number; width: number; height: number; format: string };
  readonly output: ObjectRef & { bytes: number; format: string; bitDepth: number };
  readonly params: CompressParams;
  /** Entries actually used, [r, g, b] or [r, g, b, a] when some entry is translucent. */
  readonly palette: number[][];
  /**
   * RGB per-channel mean squared error and PSNR in dB (null when the output is exact), and a
   * perceptual figure: mean SSIM of luma over 8×8 blocks (1 = identical).
   */
  readonly quality: { mse: number; psnr: number | null; ssim: number };
  /** With targetPsnr: the target in dB, the K chosen, and each K the search measured with its PSNR. */
  readonly target: TargetOutcome | null;
  readonly kmeans: {
    iterations: number;
    converged: boolean;
    miniBatchSteps: number;
    lloydIterations: number;
    uniqueColours: number;
  };
  readonly timingsMs: Record<string, number>;
  readonly worker: { host: string; pid: number };
  readonly createdAt: string;
}

export interface MetadataContext {
  readonly runId: string | null;
  readonly jobId: string | null;
  readonly source: ObjectRef & { etag: string | null };
  readonly output: ObjectRef;
  readonly params: CompressParams;
  /** Phases measured outside compressImage (download, upload, total). */
  readonly extraTimingsMs: Record<string, number>;
  readonly worker: { host: string; pid: number };
  readonly createdAt: Date;
}

/** What metadata needs of a compressed image (a CompressedImage has it; so does a worker thread's reply). */
export interface CompressSummary {
  readonly output: { readonly bytes: { readonly length: number }; readonly format: string; readonly bitDepth: number };
  readonly source: { readonly width: number; readonly height: number; readonly format: string; readonly bytes: number };
  readonly result: { readonly palette: Uint8Array; readonly paletteAlpha: Uint8Array | null; readonly stats: CompressStats };
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly target: TargetOutcome | null;
  readonly outcome: CompressOutcome;
}

export function buildMetadata(compressed: CompressSummary, context: MetadataContext): MetadataDocument {
  const { result, output, source } = compressed;
  const { palette, paletteAlpha, stats } = result;
  const entries = palette.length / 3;
  const paletteList: number[][] = [];
  for (let e = 0; e < entries; e++) {
    const rgb = [palette[e * 3]!, palette[e * 3 + 1]!, palette[e * 3 + 2]!];
    paletteList.push(paletteAlpha ? [...rgb, paletteAlpha[e]!] : rgb);
  }
  return {
    version: 1,
    runId: context.runId,
    jobId: context.jobId,
    outcome: compressed.outcome,
    source: { ...context.source, bytes: source.bytes, width: source.width, height: source.height, format: source.format },
    output: { ...context.output, bytes: output.bytes.length, format: output.format, bitDepth: output.bitDepth },
    params: context.params,
    palette: paletteList,
    quality: {
      mse: round(stats.mse, 6),
      psnr: Number.isFinite(stats.psnr) ? round(stats.psnr, 4) : null,
      ssim: round(stats.ssim, 6),
    },
    target: compressed.target,
    kmeans: {
      iterations: stats.iterations,
      converged: stats.converged,
      miniBatchSteps: stats.miniBatchSteps,
      lloydIterations: stats.lloydIterations,
      uniqueColours: stats.uniqueColours,
    },
    timingsMs: { ...compressed.timingsMs, ...context.extraTimingsMs },
    worker: context.worker,
    createdAt: context.createdAt.toISOString(),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
