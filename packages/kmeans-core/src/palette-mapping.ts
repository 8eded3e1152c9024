import { CentreNeighbours } from './centre-neighbours.js';

/**
 * Maps every point to its exact nearest palette entry (in the working space, against the
 * rounded palette that will really be written), searching outward from the k-means label.
 * `reused`: the clustering's search structure (same k), whose neighbour order is nearly right.
 */
export function mapToNearest(
  points: Float64Array,
  dimension: number,
  paletteCentres: Float64Array,
  k: number,
  guesses: Uint32Array,
  reused?: CentreNeighbours,
): Uint32Array {
  const n = points.length / dimension;
  const labels = new Uint32Array(n);
  const neighbours = reused ?? new CentreNeighbours(k, dimension);
  neighbours.update(paletteCentres);
  for (let i = 0; i < n; i++) labels[i] = neighbours.search(points, i, guesses[i]!);
  return labels;
}

export interface CompactPalette {
  /** New index of each old palette entry, or -1 for entries no colour uses. */
  readonly remap: Int32Array;
  readonly size: number;
}

/**
 * Keeps only entries some pixel uses, ordered so that translucent entries come first (a PNG
 * tRNS chunk then stays short) and then by pixel count, most used first; ties keep k-means order.
 */
export function compactPalette(
  labels: Uint32Array,
  weights: Float64Array,
  k: number,
  alphaOf: (entry: number) => number,
): CompactPalette {
  const usage = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) usage[labels[i]!]! += weights[i]!;
  const used: number[] = [];
  for (let c = 0; c < k; c++) if (usage[c]! > 0) used.push(c);
  used.sort((a, b) => {
    const opaqueA = alphaOf(a) === 255 ? 1 : 0;
    const opaqueB = alphaOf(b) === 255 ? 1 : 0;
    return opaqueA - opaqueB || usage[b]! - usage[a]! || a - b;
  });
  const remap = new Int32Array(k).fill(-1);
  used.forEach((entry, position) => (remap[entry] = position));
  return { remap, size: used.length };
}

/**
 * For indices written as positions (`rank` of each entry of the RGB `palette8`) when some entry
 * turned out unused (`usage` 0, counted by entry): the palette of the entries used, most used
 * first as compactPalette orders them, and `indices` renumbered in place to match. Every pixel
 * keeps its colour.
 */
export function dropUnusedEntries(palette8: Uint8Array, rank: Uint8Array, usage: Float64Array, indices: Uint8Array): Uint8Array {
  const entries = rank.length;
  const identity = Uint32Array.from({ length: entries }, (_, entry) => entry);
  const { remap, size } = compactPalette(identity, usage, entries, () => 255);
  const palette = new Uint8Array(size * 3);
  // Position written → position after dropping the unused entries.
  const renumber = new Uint8Array(entries);
  for (let entry = 0; entry < entries; entry++) {
    const target = remap[entry]!;
    if (target < 0) continue;
    palette.set(palette8.subarray(entry * 3, entry * 3 + 3), target * 3);
    renumber[rank[entry]!] = target;
  }
  for (let p = 0; p < indices.length; p++) indices[p] = renumber[indices[p]!]!;
  return palette;
}
