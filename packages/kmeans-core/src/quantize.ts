import { mapPixelsCached, sampleRows } from './cached-mapping.js';
import { CentreNeighbours } from './centre-neighbours.js';
import { buildHistogram, type ColourHistogram } from './colour-histogram.js';
import { fromWorkingSpace, toWorkingSpace } from './colour-space.js';
import { floydSteinberg } from './dither.js';
import { importanceWeights } from './importance-map.js';
import { binColours } from './colour-bins.js';
import { kmeans } from './kmeans.js';
import { lloyd } from './lloyd.js';
import { compactPalette, dropUnusedEntries, mapToNearest } from './palette-mapping.js';
import { measureQuality, psnrFromMse, type Quality } from './quality.js';
import { checkWorkspace, SAMPLING_PIXELS, type QuantizeWorkspace } from './quantize-workspace.js';
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
 * Watches a large photo's pixels being mapped to the palette, so that a caller can encode and
 * measure rows while later rows are still being mapped. Only an RGB photo clustered from a
 * sample of its rows (at least 4 Mpx), without dithering, is mapped this way; for any other
 * image no call is made.
 */
export interface MappingListener {
  /** Before any pixel is mapped: the palette the indices will refer to, in its final order. */
  readonly start: (palette: Uint8Array) => void;
  /** Pixels [0, pixelsDone) of `indices` hold their final entries. */
  readonly mapped: (indices: Uint8Array, pixelsDone: number) => void;
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
  // A large photo is clustered from a sample of its rows, then every pixel is mapped exactly.
  let rowStep = sampleRowStep(image);
  let histogram = buildHistogram(
    rowStep > 1 ? sampleRows(image.data, image.channels, image.width, image.height, rowStep) : image.data,
    image.channels,
  );
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
    const buffers = { neighbours, workspace, listener: resolved.dither ? undefined : listener };
    return mapSampled(image, resolved, palette8, paletteCentres, entries, rank, common, buffers);
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
 * RGB images of at least SAMPLING_PIXELS (4 Mpx) are clustered from every n-th row, n chosen so that
 * about SAMPLE_PIXELS take part: on a 12-MP photo, building the unique-colour table and the
 * importance map of every pixel cost more than all the clustering (measured: PSNR within 0.01 dB).
 */
const SAMPLE_PIXELS = 1 << 20;

function sampleRowStep(image: QuantizeImage): number {
  const pixels = image.width * image.height;
  if (image.channels !== 3 || pixels < SAMPLING_PIXELS) return 1;
  return Math.min(image.height, Math.ceil(pixels / SAMPLE_PIXELS));
}

/**
 * Each entry's position in the palette written: most used first, by the pixels of the sample
 * (`labels` of its unique colours, `counts` their pixels), so that the indices are final as soon
 * as a pixel is mapped. Ties keep the entries' order.
 */
function rankBySampleUsage(labels: Uint32Array, counts: Float64Array, entries: number): Uint8Array {
  const usage = new Float64Array(entries);
  for (let i = 0; i < labels.length; i++) usage[labels[i]!]! += counts[i]!;
  const order = Array.from({ length: entries }, (_, entry) => entry).sort((a, b) => usage[b]! - usage[a]! || a - b);
  const rank = new Uint8Array(entries);
  order.forEach((entry, position) => (rank[entry] = position));
  return rank;
}

interface MappingBuffers {
  readonly neighbours: CentreNeighbours | undefined;
  readonly workspace: QuantizeWorkspace | undefined;
  readonly listener: MappingListener | undefined;
}

/**
 * Exact nearest entry of every pixel through a colour cache, written as its position in the
 * palette (`rank`); then, if some entry is used by no pixel, the entry is dropped and the
 * indices renumbered, most used first.
 */
function mapSampled(
  image: QuantizeImage,
  resolved: ResolvedQuantizeOptions,
  palette8: Uint8Array,
  paletteCentres: Float64Array,
  entries: number,
  rank: Uint8Array,
  stats: ClusteringStats,
  { neighbours, workspace, listener }: MappingBuffers,
): QuantizeResult {
  let palette: Uint8Array = new Uint8Array(entries * 3);
  for (let entry = 0; entry < entries; entry++) palette.set(palette8.subarray(entry * 3, entry * 3 + 3), rank[entry]! * 3);
  listener?.start(palette);
  const labels = workspace?.indices ?? new Uint8Array(image.width * image.height);
  const mapping = mapPixelsCached(image.data, resolved.colorSpace, paletteCentres, palette8, entries, {
    reused: neighbours,
    labels,
    slots: workspace?.colourTable ?? undefined,
    rank,
    onMapped: listener ? (pixelsDone: number) => listener.mapped(labels, pixelsDone) : undefined,
  });
  const indices = mapping.labels;
  if (mapping.usage.some((pixels) => pixels === 0)) palette = dropUnusedEntries(palette8, rank, mapping.usage, indices);
  const mse = mapping.squaredError / (3 * indices.length);
  return finish(
    image,
    resolved,
    palette,
    null,
    indices,
    { mse, psnr: psnrFromMse(mse) },
    {
      ...stats,
      uniqueColours: mapping.uniqueColours,
    },
  );
}

/** Colours beyond this count are clustered coarse to fine: grid cells first, then every colour. */
const BINNING_THRESHOLD = 16_384;
/**
 * Grid resolutions (bits per channel) of the coarse-to-fine levels. Restarts and the mini-batch
 * phase run on the coarsest grid, where they are cheap; the finer levels only refine.
 */
const LEVEL_BITS = [5, 6] as const;
/** Passes over the clustered points (colours or cells) that the mini-batch phase may make. */
const MINI_BATCH_EPOCHS = 4;
/**
 * Exact Lloyd passes on the finer grid, then on every colour, from the coarser centres. Small
 * palettes are cheap to refine and gain most from it; large ones stop after a few passes.
 */
function refineIterations(k: number): readonly [number, number] {
  return k <= 64 ? [60, 10] : [8, 2];
}

interface Clustering {
  /** The refinement's search structure (k centres), when there was one: the final mapping reuses it. */
  readonly neighbours?: CentreNeighbours;
  readonly centroids: Float64Array;
  readonly labels: Uint32Array;
  readonly miniBatchSteps: number;
  readonly lloydIterations: number;
  readonly converged: boolean;
}

/**
 * Many colours (a large photo has hundreds of thousands) are clustered coarse to fine: k-means
 * runs to convergence on 32-level grid cells, then a few exact Lloyd passes move the centres on
 * 64-level cells and finally on every colour. Each level's labels seed the next one's search.
 */
function clusterColours(
  points: Float64Array,
  weights: Float64Array,
  dimension: number,
  k: number,
  red: Uint8Array,
  green: Uint8Array,
  blue: Uint8Array,
  alpha: Uint8Array | null,
  options: ResolvedQuantizeOptions,
): Clustering {
  const settings = {
    dimension,
    k,
    seed: options.seed,
    batchSize: options.batchSize,
    maxSteps: options.maxSteps,
    lloydIterations: options.lloydIterations,
    tolerance: options.tolerance,
    restarts: options.restarts,
  };
  const n = weights.length;
  // A few epochs of mini-batches place the centres; exact Lloyd passes do the rest.
  const miniBatchSteps = (points: number): number =>
    Math.min(options.maxSteps, Math.ceil((MINI_BATCH_EPOCHS * points) / options.batchSize));
  if (n <= BINNING_THRESHOLD) return kmeans(points, { ...settings, weights, maxSteps: miniBatchSteps(n) });

  const levels = LEVEL_BITS.map((bits) => binColours(points, weights, dimension, red, green, blue, alpha, bits));
  const start = levels.findIndex((level) => level.weights.length > k);
  if (start < 0) return kmeans(points, { ...settings, weights, maxSteps: miniBatchSteps(n) });
  const first = levels[start]!;
  const coarse = kmeans(first.points, { ...settings, weights: first.weights, maxSteps: miniBatchSteps(first.weights.length) });
  const centroids = coarse.centroids;
  let colourLabels = expand(first.cellOf, coarse.labels);
  let lloydIterations = coarse.lloydIterations;
  // One search structure through the levels: the centres move little, so its neighbour lists stay nearly sorted.
  const neighbours = new CentreNeighbours(k, dimension);
  const refine = (target: Float64Array, targetWeights: Float64Array, guesses: Uint32Array, iterations: number): Uint32Array => {
    const refined = lloyd(target, targetWeights, dimension, centroids, k, {
      maxIterations: options.lloydIterations > 0 ? iterations : 0,
      tolerance: options.tolerance,
      guesses,
      neighbours,
    });
    lloydIterations += refined.iterations;
    return refined.labels;
  };
  for (const level of levels.slice(start + 1)) {
    const cellLabels = refine(level.points, level.weights, guessCells(level, colourLabels), refineIterations(k)[0]);
    colourLabels = expand(level.cellOf, cellLabels);
  }
  const labels = refine(points, weights, colourLabels, refineIterations(k)[1]);
  return { neighbours, centroids, labels, miniBatchSteps: coarse.miniBatchSteps, lloydIterations, converged: coarse.converged };
}

function expand(cellOf: Uint32Array, cellLabels: Uint32Array): Uint32Array {
  const labels = new Uint32Array(cellOf.length);
  for (let i = 0; i < cellOf.length; i++) labels[i] = cellLabels[cellOf[i]!]!;
  return labels;
}

/** Guess for each cell of a level: the label of its first member colour. */
function guessCells(
  level: { readonly cellOf: Uint32Array; readonly weights: Float64Array },
  colourGuesses: Uint32Array,
): Uint32Array {
  const guesses = new Uint32Array(level.weights.length);
  const seen = new Uint8Array(level.weights.length);
  for (let i = 0; i < level.cellOf.length; i++) {
    const cell = level.cellOf[i]!;
    if (seen[cell] === 0) {
      seen[cell] = 1;
      guesses[cell] = colourGuesses[i]!;
    }
  }
  return guesses;
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
