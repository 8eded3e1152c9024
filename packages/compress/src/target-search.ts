import { psnrFromMse, type QuantizeImage, type QuantizeResult } from '@kpress/kmeans-core';
import { entryStats, type MergedPalette, mergedPalette, wardMerges } from './palette-hierarchy.js';

/**
 * A quality bar the output must reach. Only PSNR for now; a perceptual metric (SSIM, from the
 * quantizer) would be another member of this union, measured by its own `measure` in qualityOf.
 */
export type QualityTarget = { readonly metric: 'psnr'; readonly value: number };

/** One K the search tried and the quality its output reaches. */
export interface SearchStep {
  readonly k: number;
  readonly psnr: number | null;
}

export interface TargetSearchResult {
  /** The smallest K in [kMin, the largest palette] that reaches the target, or null when none does. */
  readonly k: number | null;
  /** The best PSNR reached (at the largest palette), for the failure's reason. */
  readonly bestPsnr: number;
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
 */
export function searchTarget(image: QuantizeImage, base: QuantizeResult, target: QualityTarget, kMin = 2): TargetSearchResult {
  const entries = base.palette.length / 3;
  const stats = entryStats(image.data, image.channels, base.indices, base.paletteAlpha, entries);
  const merges = wardMerges(stats);
  const cache = new Map<number, MergedPalette>();
  const steps: SearchStep[] = [];
  const at = (k: number): MergedPalette => {
    let merged = cache.get(k);
    if (merged === undefined) {
      merged = mergedPalette(stats, merges, k);
      cache.set(k, merged);
      steps.push({ k, psnr: finite(psnrFromMse(merged.mse)) });
    }
    return merged;
  };
  const meets = (k: number): boolean => qualityOf(at(k), target) >= target.value;
  // Entries of different alpha never merge: the fewest colours the hierarchy can reach.
  const fewest = Math.max(1, entries - merges.length);
  let low = Math.max(Math.min(kMin, entries), fewest);
  let high = entries;
  const bestPsnr = psnrFromMse(at(high).mse);
  if (!meets(high)) return { k: null, bestPsnr, result: null, steps };
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (meets(middle)) high = middle;
    else low = middle + 1;
  }
  return { k: high, bestPsnr, result: outputAt(at(high), base), steps };
}

/** The quality of a merged palette in the target's metric. */
function qualityOf(merged: MergedPalette, target: QualityTarget): number {
  switch (target.metric) {
    case 'psnr':
      return psnrFromMse(merged.mse);
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
