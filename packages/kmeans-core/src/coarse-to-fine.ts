import { binColours } from './colour-bins.js';
import { CentreNeighbours } from './centre-neighbours.js';
import { kmeans } from './kmeans.js';
import { lloyd } from './lloyd.js';
import type { ResolvedQuantizeOptions } from './quantize-options.js';

/** Colours beyond this count are clustered coarse to fine: grid cells first, then every colour. */
export const BINNING_THRESHOLD = 16_384;
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

export interface Clustering {
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
export function clusterColours(
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
