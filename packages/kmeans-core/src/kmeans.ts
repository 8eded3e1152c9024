import { kmeansPlusPlus } from './kmeans-plus-plus.js';
import { lloyd, weightedInertia } from './lloyd.js';
import { miniBatchKmeans } from './mini-batch.js';
import { findNearest, type FloatArray, Nearest } from './nearest.js';
import { createRandom, type Random } from './random.js';
import { floatArray, integerInRange, numberInRange } from './validate.js';
import { InvalidOptionError } from './errors.js';
import { createWeightedSampler } from './weighted-sampler.js';

export interface KmeansOptions {
  /** Components per point; `points.length` must be a multiple of it. Required. */
  readonly dimension: number;
  /** Number of clusters, 1 ≤ k ≤ number of points. Required. */
  readonly k: number;
  /** One non-negative weight per point (e.g. how many pixels share a colour). Default: all 1. */
  readonly weights?: FloatArray | undefined;
  /** Seed of every random choice; the same seed gives the same result. Default 1. */
  readonly seed?: number | undefined;
  /** Initial centres (k × dimension) instead of k-means++. Default: greedy k-means++. */
  readonly initialCentroids?: FloatArray | undefined;
  /** k-means++ runs on at most this many points drawn ∝ weight. Default max(3 × batchSize, 3 × k). */
  readonly initSampleSize?: number | undefined;
  /** Points per mini-batch. Default 1024. */
  readonly batchSize?: number | undefined;
  /** Maximum mini-batch steps; 0 skips the mini-batch phase. Default 100. */
  readonly maxSteps?: number | undefined;
  /** Mini-batch stops after this many steps without improving smoothed inertia. Default 10. */
  readonly maxNoImprovement?: number | undefined;
  /** Share of each centre's mini-batch sample count forgotten per step, in [0, 1). Default 0.2. */
  readonly forgetting?: number | undefined;
  /** Exact (Hamerly-accelerated) Lloyd iterations after the mini-batch phase. Default 0. */
  readonly lloydIterations?: number | undefined;
  /** Lloyd stops when an iteration improves inertia by less than this fraction. Default 1e-5. */
  readonly tolerance?: number | undefined;
  /** Independent runs from different seeds derived from `seed`; the lowest inertia wins. Default 1. */
  readonly restarts?: number | undefined;
  /** Observer of each Lloyd iteration's centres (plots, tutorials). */
  readonly onLloydIteration?: ((iteration: number, centroids: Float64Array, inertia: number) => void) | undefined;
}

export interface KmeansResult {
  /** k × dimension centre coordinates. */
  readonly centroids: Float64Array;
  /** Index of each point's nearest centre. */
  readonly labels: Uint32Array;
  /** Weighted sum of squared distances of points to their centre. */
  readonly inertia: number;
  readonly miniBatchSteps: number;
  readonly lloydIterations: number;
  readonly converged: boolean;
  /** Smoothed mini-batch inertia after each step, scaled to the whole data set. */
  readonly miniBatchInertia: Float64Array;
  /** Exact inertia after each Lloyd iteration. */
  readonly lloydInertia: Float64Array;
}

/**
 * Weighted mini-batch k-means with greedy k-means++ initialisation, re-seeding of empty centres
 * and optional exact Lloyd refinement. Pure and deterministic for a given seed.
 */
export function kmeans(points: FloatArray, options: KmeansOptions): KmeansResult {
  floatArray('points', points);
  const dimension = integerInRange('dimension', options.dimension, 1, 1024);
  if (points.length === 0 || points.length % dimension !== 0) {
    throw new InvalidOptionError('points', `a non-empty array whose length is a multiple of dimension ${dimension}`, points);
  }
  const n = points.length / dimension;
  const k = integerInRange('k', options.k, 1, Math.min(n, 65535));
  const weights = readWeights(options.weights, n);
  const seed = integerInRange('seed', options.seed ?? 1, 0, 0xffffffff);
  const batchSize = integerInRange('batchSize', options.batchSize ?? 1024, 1, 1 << 20);
  const maxSteps = integerInRange('maxSteps', options.maxSteps ?? 100, 0, 1e6);
  const maxNoImprovement = integerInRange('maxNoImprovement', options.maxNoImprovement ?? 10, 1, 1e6);
  const lloydIterations = integerInRange('lloydIterations', options.lloydIterations ?? 0, 0, 1e6);
  const tolerance = numberInRange('tolerance', options.tolerance ?? 1e-5, 0, 1);
  const forgetting = numberInRange('forgetting', options.forgetting ?? 0.2, 0, 0.99);
  const initSampleSize = integerInRange('initSampleSize', options.initSampleSize ?? Math.max(3 * batchSize, 3 * k), k, 1 << 24);

  const restarts = integerInRange('restarts', options.restarts ?? 1, 1, 1000);
  if (options.initialCentroids) readInitialCentroids(options.initialCentroids, k, dimension);
  const settings: RunSettings = {
    dimension,
    k,
    batchSize,
    maxSteps,
    maxNoImprovement,
    forgetting,
    lloydIterations,
    tolerance,
    initSampleSize,
  };
  let best: KmeansResult | null = null;
  for (let run = 0; run < restarts; run++) {
    // Restart r draws from its own stream: seed r of a splitmix sequence started at `seed`.
    const random = createRandom(run === 0 ? seed : createRandom(seed + run).next() * 0x100000000);
    const result = runOnce(points, weights, options, settings, random);
    if (best === null || result.inertia < best.inertia) best = result;
  }
  return best!;
}

interface RunSettings {
  readonly dimension: number;
  readonly k: number;
  readonly batchSize: number;
  readonly maxSteps: number;
  readonly maxNoImprovement: number;
  readonly forgetting: number;
  readonly lloydIterations: number;
  readonly tolerance: number;
  readonly initSampleSize: number;
}

function runOnce(
  points: FloatArray,
  weights: Float64Array,
  options: KmeansOptions,
  settings: RunSettings,
  random: Random,
): KmeansResult {
  const { dimension, k, batchSize, maxSteps, maxNoImprovement, forgetting, lloydIterations, tolerance, initSampleSize } =
    settings;
  const centroids = options.initialCentroids
    ? readInitialCentroids(options.initialCentroids, k, dimension)
    : initialise(points, weights, dimension, k, initSampleSize, random);

  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  let miniBatchSteps = 0;
  let converged = false;
  let miniBatchInertia = new Float64Array(0);
  if (maxSteps > 0) {
    const outcome = miniBatchKmeans(
      points,
      weights,
      dimension,
      centroids,
      k,
      { batchSize, maxSteps, maxNoImprovement, forgetting },
      random,
    );
    miniBatchSteps = outcome.steps;
    converged = outcome.stoppedEarly;
    miniBatchInertia = Float64Array.from(outcome.history, (mean) => mean * totalWeight);
  }

  if (lloydIterations > 0) {
    const outcome = lloyd(points, weights, dimension, centroids, k, {
      maxIterations: lloydIterations,
      tolerance,
      onIteration: options.onLloydIteration,
    });
    return {
      centroids,
      labels: outcome.labels,
      inertia: outcome.inertia,
      miniBatchSteps,
      lloydIterations: outcome.iterations,
      converged: outcome.converged,
      miniBatchInertia,
      lloydInertia: Float64Array.from(outcome.history),
    };
  }

  const labels = assignAll(points, dimension, centroids, k);
  return {
    centroids,
    labels,
    inertia: weightedInertia(points, weights, dimension, centroids, labels),
    miniBatchSteps,
    lloydIterations: 0,
    converged,
    miniBatchInertia,
    lloydInertia: new Float64Array(0),
  };
}

function initialise(
  points: FloatArray,
  weights: Float64Array,
  dimension: number,
  k: number,
  sampleSize: number,
  random: Random,
): Float64Array {
  const n = weights.length;
  if (n <= sampleSize) return kmeansPlusPlus(points, weights, dimension, k, random);
  const sampler = createWeightedSampler(weights);
  const sample = new Float64Array(sampleSize * dimension);
  for (let s = 0; s < sampleSize; s++) {
    const i = sampler.sample(random);
    for (let j = 0; j < dimension; j++) sample[s * dimension + j] = points[i * dimension + j]!;
  }
  return kmeansPlusPlus(sample, new Float64Array(sampleSize).fill(1), dimension, k, random);
}

/** Nearest centre of every point. */
function assignAll(points: FloatArray, dimension: number, centroids: Float64Array, k: number): Uint32Array {
  const n = points.length / dimension;
  const labels = new Uint32Array(n);
  const nearest = new Nearest();
  for (let i = 0; i < n; i++) labels[i] = findNearest(points, i, centroids, k, dimension, nearest).index;
  return labels;
}

function readWeights(weights: FloatArray | undefined, n: number): Float64Array {
  if (weights === undefined) return new Float64Array(n).fill(1);
  floatArray('weights', weights);
  if (weights.length !== n) throw new InvalidOptionError('weights', `an array of ${n} weights (one per point)`, weights);
  let positive = false;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new InvalidOptionError('weights', 'finite and non-negative', w);
    if (w > 0) positive = true;
  }
  if (!positive) throw new InvalidOptionError('weights', 'not all zero', 0);
  return Float64Array.from(weights);
}

function readInitialCentroids(initial: FloatArray, k: number, dimension: number): Float64Array {
  floatArray('initialCentroids', initial);
  if (initial.length !== k * dimension) {
    throw new InvalidOptionError('initialCentroids', `an array of k × dimension = ${k * dimension} numbers`, initial);
  }
  for (const value of initial) {
    if (!Number.isFinite(value)) throw new InvalidOptionError('initialCentroids', 'finite numbers', value);
  }
  return Float64Array.from(initial);
}
