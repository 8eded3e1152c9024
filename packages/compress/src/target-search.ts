import { measureSsim, psnrFromMse, type QuantizeImage, type QuantizeResult } from '@kpress/kmeans-core';
import { entryStats, type MergedPalette, mergedPalette, wardMerges } from './palette-hierarchy.js';

/**
 * A quality bar the output must reach: RGB PSNR in dB, or the perceptual figure of every
 * metadata document, mean SSIM of luma (quality.ssim).
 */
export type QualityTarget =
  { readonly metric: 'psnr'; readonly value: number } | { readonly metric: 'ssim'; readonly value: number };

/** One K the search tried and the quality its output reaches (ssim when the target is SSIM). */
export interface SearchStep {
  readonly k: number;
  readonly psnr: number | null;
  readonly ssim?: number;
}

export interface TargetSearchResult {
  /** The smallest K in [kMin, the largest palette] that reaches the target, or null when none does. */
  readonly k: number | null;
  /** The best PSNR reached (at the largest palette), for the failure's reason. */
  readonly bestPsnr: number;
  /** The best quality reached in the target's metric (at the largest palette). */
  readonly best: number;
  /** The output at the chosen K (null when none reaches the target). */
  readonly result: QuantizeResult | null;
  /** The K values measured, in the order the search tried them. */
  readonly steps: readonly SearchStep[];
}

/**
 * The smallest palette that reaches the target, from one quantize at the largest K (`base`): its
 * entries are merged down a Ward hierarchy (palette-hierarchy.ts), so each K costs entries × K
 * arithmetic and no pass over the pixels. The error of a K is exact for the output written at it,
 * and it does not rise as K grows along the hierarchy (a merge only adds error; the polish and
 * rounding barely move it), so a binary search finds the smallest K; a unit test checks it
 * against a scan of every K. Total cost: the base quantize plus two passes over the pixels.
 * An SSIM target is measured on the output written at each K tried (two passes over the pixels
 * per K: about 9 bisection steps and a window of 8 just below the answer, since SSIM can rise by
 * a hair when two entries merge).
 */
/** Palette sizes just below the bisection's answer that an SSIM search checks too. */
const SSIM_WINDOW = 8;

export function searchTarget(image: QuantizeImage, base: QuantizeResult, target: QualityTarget, kMin = 2): TargetSearchResult {
  const entries = base.palette.length / 3;
  const stats = entryStats(image.data, image.channels, base.indices, base.paletteAlpha, entries);
  const merges = wardMerges(stats);
  const cache = new Map<number, { merged: MergedPalette; quality: number }>();
  const steps: SearchStep[] = [];
  const measured = (k: number): { merged: MergedPalette; quality: number } => {
    let entry = cache.get(k);
    if (entry === undefined) {
      const merged = mergedPalette(stats, merges, k);
      const quality = qualityOf(merged, target, image, base);
      entry = { merged, quality };
      cache.set(k, entry);
      const psnr = finite(psnrFromMse(merged.mse));
      steps.push(target.metric === 'ssim' ? { k, psnr, ssim: Math.round(quality * 1e6) / 1e6 } : { k, psnr });
    }
    return entry;
  };
  const at = (k: number): MergedPalette => measured(k).merged;
  const meets = (k: number): boolean => measured(k).quality >= target.value;
  // Entries of different alpha never merge: the fewest colours the hierarchy can reach.
  const fewest = Math.max(1, entries - merges.length);
  let low = Math.max(Math.min(kMin, entries), fewest);
  let high = entries;
  const bestPsnr = psnrFromMse(at(high).mse);
  const best = measured(high).quality;
  if (!meets(high)) return { k: null, bestPsnr, best, result: null, steps };
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (meets(middle)) high = middle;
    else low = middle + 1;
  }
  if (target.metric === 'ssim') {
    // SSIM is not strictly monotone along the hierarchy (a merge can nudge it up by a hair), so
    // bisection may stop a few entries above the smallest K: look at the window just below it.
    for (let k = Math.max(fewest, kMin, high - SSIM_WINDOW); k < high; k++) {
      if (meets(k)) {
        high = k;
        break;
      }
    }
  }
  return { k: high, bestPsnr, best, result: outputAt(at(high), base), steps };
}

/**
 * The quality of a merged palette in the target's metric: PSNR from the hierarchy's exact error
 * (no pass over the pixels); SSIM from the output written at that K (two passes over the pixels).
 */
function qualityOf(merged: MergedPalette, target: QualityTarget, image: QuantizeImage, base: QuantizeResult): number {
  switch (target.metric) {
    case 'psnr':
      return psnrFromMse(merged.mse);
    case 'ssim': {
      const output = outputAt(merged, base);
      return measureSsim(image.data, image.channels, image.width, image.height, output.indices, output.palette);
    }
  }
}

/**
 * The indexed output of a merged palette: unused colours dropped, translucent colours first, then
 * the most used first (quantize's order, which keeps a PNG's tRNS chunk short).
 */
function outputAt(merged: MergedPalette, base: QuantizeResult): QuantizeResult {
  const colours = merged.palette.length / 3;
  const used = new Float64Array(colours);
  const entryCount = new Float64Array(base.palette.length / 3);
  for (let p = 0; p < base.indices.length; p++) entryCount[base.indices[p]!]! += 1;
  for (let e = 0; e < entryCount.length; e++) used[merged.entryToColour[e]!]! += entryCount[e]!;
  const order = Array.from({ length: colours }, (_, c) => c)
    .filter((c) => used[c]! > 0)
    .sort((a, b) => Number(merged.alpha[a] === 255) - Number(merged.alpha[b] === 255) || used[b]! - used[a]! || a - b);
  const remap = new Int32Array(colours).fill(-1);
  order.forEach((c, i) => (remap[c] = i));
  const palette = new Uint8Array(order.length * 3);
  const translucent = base.paletteAlpha !== null;
  const paletteAlpha = translucent ? new Uint8Array(order.length) : null;
  order.forEach((c, i) => {
    palette.set(merged.palette.subarray(c * 3, c * 3 + 3), i * 3);
    if (paletteAlpha) paletteAlpha[i] = merged.alpha[c]!;
  });
  const entryToIndex = Uint8Array.from(merged.entryToColour, (c) => remap[c]!);
  const indices = new Uint8Array(base.indices.length);
  for (let p = 0; p < indices.length; p++) indices[p] = entryToIndex[base.indices[p]!]!;
  return {
    ...base,
    palette,
    paletteAlpha,
    indices,
    stats: { ...base.stats, mse: merged.mse, psnr: psnrFromMse(merged.mse) },
  };
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? Math.round(value * 10_000) / 10_000 : null;
}
