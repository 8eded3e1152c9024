/**
 * The palette of one quantize at the largest K, summarised per entry, and merged down to any
 * smaller K without looking at a pixel again: every pixel keeps the entry it had at the largest K,
 * and each entry is mapped whole to one colour of the smaller palette. Per entry, the sums below
 * give the exact RGB squared error of any colour it is mapped to:
 *   Σ‖p − c‖² = sumSquares − 2 c·sum + count ‖c‖².
 */

/** What each entry of the largest palette holds, from one pass over the pixels. */
export interface EntryStats {
  /** Entries of the largest palette. */
  readonly entries: number;
  /** Pixels whose error counts (source alpha ≠ 0), per entry. */
  readonly count: Float64Array;
  /** Σ r, Σ g, Σ b of those pixels, 3 per entry. */
  readonly sum: Float64Array;
  /** Σ (r² + g² + b²) of those pixels, per entry. */
  readonly sumSquares: Float64Array;
  /** Alpha of each entry (255 when the palette is opaque). Only entries of equal alpha merge. */
  readonly alpha: Uint8Array;
  /** Every pixel, counted or not: the denominator of the mean squared error (as measureQuality). */
  readonly pixels: number;
}

/** One pass over the pixels: the sums of each entry of the largest palette. */
export function entryStats(
  data: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  indices: Uint8Array,
  paletteAlpha: Uint8Array | null,
  entries: number,
): EntryStats {
  const count = new Float64Array(entries);
  const sum = new Float64Array(entries * 3);
  const sumSquares = new Float64Array(entries);
  for (let p = 0, o = 0; p < indices.length; p++, o += channels) {
    if (channels === 4 && data[o + 3] === 0) continue;
    const e = indices[p]!;
    const r = data[o]!;
    const g = data[o + 1]!;
    const b = data[o + 2]!;
    count[e]! += 1;
    sum[e * 3]! += r;
    sum[e * 3 + 1]! += g;
    sum[e * 3 + 2]! += b;
    sumSquares[e]! += r * r + g * g + b * b;
  }
  const alpha = paletteAlpha ? Uint8Array.from(paletteAlpha.subarray(0, entries)) : new Uint8Array(entries).fill(255);
  return { entries, count, sum, sumSquares, alpha, pixels: indices.length };
}

/**
 * Ward's agglomeration of the entries (weighted by their counted pixels): the order in which
 * pairs of groups merge, each step the pair whose merge adds the least squared error. Entries of
 * different alpha never merge, so the fully transparent entry stays its own. O(entries³), entries ≤ 256.
 */
export function wardMerges(stats: EntryStats): readonly (readonly [number, number])[] {
  const n = stats.entries;
  const weight = Float64Array.from(stats.count);
  const mean = new Float64Array(n * 3);
  for (let e = 0; e < n; e++) {
    for (let c = 0; c < 3; c++) mean[e * 3 + c] = weight[e]! > 0 ? stats.sum[e * 3 + c]! / weight[e]! : 0;
  }
  const alive = new Uint8Array(n).fill(1);
  const merges: [number, number][] = [];
  for (;;) {
    let best = Infinity;
    let bestA = -1;
    let bestB = -1;
    for (let a = 0; a < n; a++) {
      if (alive[a] === 0) continue;
      for (let b = a + 1; b < n; b++) {
        if (alive[b] === 0 || stats.alpha[a] !== stats.alpha[b]) continue;
        const wa = weight[a]!;
        const wb = weight[b]!;
        const dr = mean[a * 3]! - mean[b * 3]!;
        const dg = mean[a * 3 + 1]! - mean[b * 3 + 1]!;
        const db = mean[a * 3 + 2]! - mean[b * 3 + 2]!;
        const cost = wa + wb === 0 ? 0 : ((wa * wb) / (wa + wb)) * (dr * dr + dg * dg + db * db);
        if (cost < best) {
          best = cost;
          bestA = a;
          bestB = b;
        }
      }
    }
    if (bestA < 0) return merges;
    const wa = weight[bestA]!;
    const wb = weight[bestB]!;
    for (let c = 0; c < 3; c++) {
      mean[bestA * 3 + c] =
        wa + wb === 0 ? mean[bestA * 3 + c]! : (mean[bestA * 3 + c]! * wa + mean[bestB * 3 + c]! * wb) / (wa + wb);
    }
    weight[bestA] = wa + wb;
    alive[bestB] = 0;
    merges.push([bestA, bestB]);
  }
}

/** A palette of at most K colours made from the entries, and where each entry goes. */
export interface MergedPalette {
  /** Colours, 3 bytes each. */
  readonly palette: Uint8Array;
  /** Alpha of each colour. */
  readonly alpha: Uint8Array;
  /** Colour of each entry of the largest palette. */
  readonly entryToColour: Uint16Array;
  /** Exact RGB mean squared error per channel of the image mapped this way. */
  readonly mse: number;
}

/** Passes of Lloyd over the entries that polish a merged palette (cheap: entries × K each). */
const POLISH_PASSES = 8;

/**
 * The palette of `k` colours: Ward's groups after `entries − k` merges, their weighted means
 * polished by a few Lloyd passes over the entries, rounded to 8 bits, each entry then mapped to
 * its nearest colour of equal alpha. The error is exact for that mapping.
 */
export function mergedPalette(stats: EntryStats, merges: readonly (readonly [number, number])[], k: number): MergedPalette {
  const n = stats.entries;
  const group = Int32Array.from({ length: n }, (_, e) => e);
  const steps = Math.min(merges.length, Math.max(0, n - k));
  for (let s = 0; s < steps; s++) {
    const [a, b] = merges[s]!;
    for (let e = 0; e < n; e++) if (group[e] === b) group[e] = a;
  }
  // Number the groups 0..colours−1.
  const number = new Int32Array(n).fill(-1);
  let colours = 0;
  for (let e = 0; e < n; e++) if (number[group[e]!] === -1) number[group[e]!] = colours++;
  const assign = Uint16Array.from({ length: n }, (_, e) => number[group[e]!]!);
  const alpha = new Uint8Array(colours);
  for (let e = 0; e < n; e++) alpha[assign[e]!] = stats.alpha[e]!;
  const centre = new Float64Array(colours * 3);
  for (let pass = 0; pass <= POLISH_PASSES; pass++) {
    if (!updateCentres(stats, assign, centre, colours) && pass > 0) break;
    if (pass === POLISH_PASSES) break;
    if (!reassign(stats, assign, centre, alpha, colours)) break;
  }
  const palette = new Uint8Array(colours * 3);
  for (let i = 0; i < palette.length; i++) palette[i] = Math.min(255, Math.max(0, Math.round(centre[i]!)));
  const rounded = Float64Array.from(palette);
  reassign(stats, assign, rounded, alpha, colours);
  let error = 0;
  for (let e = 0; e < n; e++) error += entryError(stats, e, rounded, assign[e]!);
  return { palette, alpha, entryToColour: assign, mse: error / (3 * stats.pixels) };
}

/** Squared error of entry e's pixels all drawn as colour c. */
function entryError(stats: EntryStats, e: number, centre: Float64Array, c: number): number {
  const r = centre[c * 3]!;
  const g = centre[c * 3 + 1]!;
  const b = centre[c * 3 + 2]!;
  const dot = r * stats.sum[e * 3]! + g * stats.sum[e * 3 + 1]! + b * stats.sum[e * 3 + 2]!;
  return Math.max(0, stats.sumSquares[e]! - 2 * dot + stats.count[e]! * (r * r + g * g + b * b));
}

/** Each colour at the weighted mean of its entries (an empty colour keeps its place). Returns whether any moved. */
function updateCentres(stats: EntryStats, assign: Uint16Array, centre: Float64Array, colours: number): boolean {
  const weight = new Float64Array(colours);
  const total = new Float64Array(colours * 3);
  const unweighted = new Float64Array(colours * 3);
  const members = new Float64Array(colours);
  for (let e = 0; e < stats.entries; e++) {
    const c = assign[e]!;
    weight[c]! += stats.count[e]!;
    members[c]! += 1;
    for (let d = 0; d < 3; d++) {
      total[c * 3 + d]! += stats.sum[e * 3 + d]!;
      unweighted[c * 3 + d]! += stats.count[e]! > 0 ? stats.sum[e * 3 + d]! / stats.count[e]! : 0;
    }
  }
  let moved = false;
  for (let c = 0; c < colours; c++) {
    for (let d = 0; d < 3; d++) {
      // A colour of uncounted pixels only (fully transparent) sits at its entries' plain mean.
      const next =
        weight[c]! > 0
          ? total[c * 3 + d]! / weight[c]!
          : members[c]! > 0
            ? unweighted[c * 3 + d]! / members[c]!
            : centre[c * 3 + d]!;
      if (next !== centre[c * 3 + d]) moved = true;
      centre[c * 3 + d] = next;
    }
  }
  return moved;
}

/** Each entry to its nearest colour of the same alpha. Returns whether any entry changed colour. */
function reassign(stats: EntryStats, assign: Uint16Array, centre: Float64Array, alpha: Uint8Array, colours: number): boolean {
  let changed = false;
  for (let e = 0; e < stats.entries; e++) {
    if (stats.count[e] === 0) continue;
    let best = assign[e]!;
    let bestError = entryError(stats, e, centre, best);
    for (let c = 0; c < colours; c++) {
      if (alpha[c] !== stats.alpha[e] || c === best) continue;
      const error = entryError(stats, e, centre, c);
      if (error < bestError) {
        bestError = error;
        best = c;
      }
    }
    if (best !== assign[e]) {
      assign[e] = best;
      changed = true;
    }
  }
  return changed;
}
