import { sampleRows } from './cached-mapping.js';
import type { CentreNeighbours } from './centre-neighbours.js';
import { BINNING_THRESHOLD, clusterColours } from './coarse-to-fine.js';
import { buildHistogram, type ColourHistogram } from './colour-histogram.js';
import { fromWorkingSpace, toWorkingSpace } from './colour-space.js';
import { floydSteinberg } from './dither.js';
import { importanceWeights } from './importance-map.js';
import { compactPalette, mapToNearest } from './palette-mapping.js';
import { pixelMapperOf } from './pixel-mapper.js';
import { measureQuality, psnrFromMse, type Quality } from './quality.js';
import { checkWorkspace, createQuantizeWorkspace, type QuantizeWorkspace } from './quantize-workspace.js';
import { mapSampled, rankBySampleUsage, sampleRowStep, type MappingListener } from './sampled-mapping.js';
import {
  type QuantizeImage,
  type QuantizeOptions,
  resolveQuantizeInput,
  type ResolvedQuantizeOptions,
} from './quantize-options.js';

export interface QuantizeStats extends Quality {
  /** Distinct colours in the input (fully transparent pixels count as one). */
  readonly uniqueColours: number;
  readonly miniBatchSteps: number;
  readonly lloydIterations: number;
  /** miniBatchSteps + lloydIterations. */
  readonly iterations: number;
  readonly converged: boolean;
}

export interface QuantizeResult {
  /**
   * Entries actually used, 3 bytes (sRGB) each, translucent entries first, then most used first
   * (for a photo clustered from sampled rows: most used by the sample, decided before mapping).
   */
  readonly palette: Uint8Array;
  /** Alpha of each entry, or null when every entry is opaque. */
  readonly paletteAlpha: Uint8Array | null;
  /** Palette index of every pixel. */
  readonly indices: Uint8Array;
  readonly options: ResolvedQuantizeOptions;
  readonly stats: QuantizeStats;
}

/**
 * Reduces an image to at most `k` colours with weighted mini-batch k-means over its unique
 * colours, refined by exact Lloyd passes, then maps every pixel to its exact nearest entry.
 * Fully transparent pixels (RGBA, alpha 0) keep transparency through one reserved entry;
 * partially transparent colours are clustered with alpha as a fourth component. A large RGB
 * photo (≥ 4 Mpx) is clustered from a sample of its rows; its pixels are still mapped exactly.
 * `workspace`: buffers allocated (and perhaps touched) ahead by the caller; same result without.
 * `listener`: told of the mapping's progress (see MappingListener); the same result without. What
 * it was shown is the result only if `result.palette` is the very array given to its `start`: when
 * some entry ends up used by no pixel (rare), the entry is dropped and the indices renumbered.
 */
export function quantize(
  image: QuantizeImage,
  options: QuantizeOptions = {},
  workspace?: QuantizeWorkspace,
  listener?: MappingListener,
): QuantizeResult {
  const resolved = resolveQuantizeInput(image, options);
  if (workspace) checkWorkspace(workspace, image.width * image.height);
  // A large photo is clustered from a sample of its rows, then every pixel is mapped exactly
  // through a colour table; the table's WebAssembly kernel counts the sample's colours first.
  let rowStep = sampleRowStep(image);
  if (rowStep > 1 && !workspace) workspace = createQuantizeWorkspace(image.width, image.height);
  const mapper = rowStep > 1 && workspace?.colourTable ? pixelMapperOf(workspace.colourTable) : null;
  const sample = rowStep > 1 ? sampleRows(image.data, image.channels, image.width, image.height, rowStep) : image.data;
  let histogram = mapper?.countColours(sample) ?? buildHistogram(sample, image.channels);
  if (rowStep > 1 && histogram.size <= BINNING_THRESHOLD) {
    // Few colours (a graphic, not a photo): the sample may miss some, so count them all.
    rowStep = 1;
    histogram = buildHistogram(image.data, image.channels);
  }
  const alpha = histogram.alpha && hasTranslucency(histogram.alpha) ? histogram.alpha : null;
  const dimension = alpha ? 4 : 3;
  const transparent = alpha ? findTransparent(histogram, alpha) : -1;
  const clusterK = transparent >= 0 ? resolved.k - 1 : resolved.k;

  // Unique colours that take part in clustering: all but the fully transparent one.
  const members = histogram.size - (transparent >= 0 ? 1 : 0);
  const memberOf = new Uint32Array(members);
  for (let u = 0, m = 0; u < histogram.size; u++) if (u !== transparent) memberOf[m++] = u;
  const pick = (source: Uint8Array): Uint8Array =>
    transparent >= 0 ? gather(source, memberOf, new Uint8Array(members)) : source;
  const red = pick(histogram.red);
  const green = pick(histogram.green);
  const blue = pick(histogram.blue);
  const memberAlpha = alpha ? pick(alpha) : null;
  // Clustering may weigh pixels by importance; usage order and the reported error count pixels.
  const clusterWeights = resolved.importance
    ? importanceWeights(
        image.data,
        image.channels,
        image.width,
        image.height,
        histogram.pixelToUnique,
        histogram.size,
        resolved.k,
        rowStep,
      )
    : histogram.weights;
  const weights = transparent >= 0 ? gather(clusterWeights, memberOf, new Float64Array(members)) : clusterWeights;

  const points = new Float64Array(members * dimension);
  toWorkingSpace(resolved.colorSpace, red, green, blue, memberAlpha, points);

  let palette8: Uint8Array;
  let guesses: Uint32Array;
  let neighbours: CentreNeighbours | undefined;
  let miniBatchSteps = 0;
  let lloydIterations = 0;
  let converged = true;
  const entries = Math.min(clusterK, members);
  if (members <= clusterK) {
    // Few enough colours to keep them all: exact, no clustering.
    palette8 = new Uint8Array(members * dimension);
    for (let m = 0; m < members; m++) {
      palette8.set([red[m]!, green[m]!, blue[m]!], m * dimension);
      if (memberAlpha) palette8[m * dimension + 3] = memberAlpha[m]!;
    }
    guesses = new Uint32Array(members);
    for (let m = 0; m < members; m++) guesses[m] = m;
  } else {
    const clustered = clusterColours(points, weights, dimension, clusterK, red, green, blue, memberAlpha, resolved);
    palette8 = new Uint8Array(clusterK * dimension);
    fromWorkingSpace(resolved.colorSpace, clustered.centroids, dimension, palette8);
    guesses = clustered.labels;
    neighbours = clustered.neighbours;
    miniBatchSteps = clustered.miniBatchSteps;
    lloydIterations = clustered.lloydIterations;
    converged = clustered.converged;
  }

  // Match against the rounded palette that will really be written.
  const paletteCentres = new Float64Array(entries * dimension);
  toWorkingSpace(resolved.colorSpace, ...splitChannels(palette8, entries, dimension), paletteCentres);
  const common = { miniBatchSteps, lloydIterations, iterations: miniBatchSteps + lloydIterations, converged };
  if (rowStep > 1) {
    const rank = rankBySampleUsage(guesses, histogram.weights, entries);
    const { width, height } = image;
    const mapped = mapSampled(
      { data: image.data, width, height, space: resolved.colorSpace, palette8, paletteCentres, entries, rank },
      { neighbours, workspace, listener: resolved.dither ? undefined : listener },
    );
    const stats = { ...common, uniqueColours: mapped.uniqueColours };
    return finish(image, resolved, mapped.palette, null, mapped.indices, mapped.quality, stats);
  }
  const memberLabels = mapToNearest(points, dimension, paletteCentres, entries, guesses, neighbours);

  // Labels of every unique colour, the transparent one on an extra entry.
  const totalEntries = entries + (transparent >= 0 ? 1 : 0);
  const uniqueLabels = new Uint32Array(histogram.size);
  for (let m = 0; m < members; m++) uniqueLabels[memberOf[m]!] = memberLabels[m]!;
  if (transparent >= 0) uniqueLabels[transparent] = entries;
  const alphaOf = (entry: number): number => (entry === entries ? 0 : alpha ? palette8[entry * dimension + 3]! : 255);
  const { remap, size } = compactPalette(uniqueLabels, histogram.weights, totalEntries, alphaOf);

  const palette = new Uint8Array(size * 3);
  const paletteAlpha = alpha ? new Uint8Array(size) : null;
  for (let entry = 0; entry < totalEntries; entry++) {
    const target = remap[entry]!;
    if (target < 0) continue;
    if (entry < entries) palette.set(palette8.subarray(entry * dimension, entry * dimension + 3), target * 3);
    if (paletteAlpha) paletteAlpha[target] = alphaOf(entry);
  }
  const finalLabels = gather(remap, uniqueLabels, new Uint8Array(histogram.size));
  const pixelToUnique = histogram.pixelToUnique;
  const indices = workspace?.indices ?? new Uint8Array(pixelToUnique.length);
  for (let p = 0; p < indices.length; p++) indices[p] = finalLabels[pixelToUnique[p]!]!;

  const quality = histogramQuality(histogram, finalLabels, palette, transparent, indices.length);
  return finish(image, resolved, palette, paletteAlpha, indices, quality, { ...common, uniqueColours: histogram.size });
}

type ClusteringStats = Omit<QuantizeStats, keyof Quality | 'uniqueColours'>;

/** Dithers when asked (then measures the error again) and assembles the result. */
function finish(
  image: QuantizeImage,
  resolved: ResolvedQuantizeOptions,
  palette: Uint8Array,
  paletteAlpha: Uint8Array | null,
  indices: Uint8Array,
  quality: Quality,
  stats: ClusteringStats & { readonly uniqueColours: number },
): QuantizeResult {
  if (resolved.dither) {
    indices = floydSteinberg(
      image.data,
      image.channels,
      image.width,
      image.height,
      palette,
      paletteAlpha,
      resolved.colorSpace,
      indices,
      3 * quality.mse,
    );
    quality = measureQuality(image.data, image.channels, indices, palette);
  }
  return { palette, paletteAlpha, indices, options: resolved, stats: { ...quality, ...stats } };
}

/**
 * out[i] = source[index[i]]. A plain loop: `TypedArray.from(array, callback)` calls the callback
 * through a generic path, ~25 ns an element (10 ms of a 768×512 photo's 150 ms at K=256).
 */
function gather<T extends Uint8Array | Float64Array>(source: ArrayLike<number>, index: ArrayLike<number>, out: T): T {
  for (let i = 0; i < out.length; i++) out[i] = source[index[i]!]!;
  return out;
}

function hasTranslucency(alpha: Uint8Array): boolean {
  for (const a of alpha) if (a !== 255) return true;
  return false;
}

function findTransparent(histogram: ColourHistogram, alpha: Uint8Array): number {
  for (let u = 0; u < histogram.size; u++) if (alpha[u] === 0) return u;
  return -1;
}

function splitChannels(
  palette8: Uint8Array,
  entries: number,
  dimension: number,
): [Uint8Array, Uint8Array, Uint8Array, Uint8Array | null] {
  const channel = (c: number): Uint8Array => Uint8Array.from({ length: entries }, (_, e) => palette8[e * dimension + c]!);
  return [channel(0), channel(1), channel(2), dimension === 4 ? channel(3) : null];
}

/** Same as measuring every pixel, summed once per unique colour. */
function histogramQuality(
  histogram: ColourHistogram,
  labels: Uint8Array,
  palette: Uint8Array,
  transparent: number,
  pixels: number,
): Quality {
  let sum = 0;
  for (let u = 0; u < histogram.size; u++) {
    if (u === transparent) continue;
    const e = labels[u]! * 3;
    const dr = histogram.red[u]! - palette[e]!;
    const dg = histogram.green[u]! - palette[e + 1]!;
    const db = histogram.blue[u]! - palette[e + 2]!;
    sum += histogram.weights[u]! * (dr * dr + dg * dg + db * db);
  }
  const mse = sum / (3 * pixels);
  return { mse, psnr: psnrFromMse(mse) };
}
