import { CentreNeighbours } from './centre-neighbours.js';
import { type FloatArray, squaredDistance } from './nearest.js';

export interface LloydSettings {
  readonly maxIterations: number;
  /** Stop when an iteration lowers the inertia by less than this fraction of it. */
  readonly tolerance: number;
  /** Called after each iteration with the centres it produced (for plots and tests). */
  /** A first guess of each point's centre (speeds up the first assignment only). */
  readonly guesses?: Uint32Array | undefined;
  readonly onIteration?: ((iteration: number, centres: Float64Array, inertia: number) => void) | undefined;
  /**
   * The search structure of an earlier call on nearby centres (same k and dimension), reused: its
   * neighbour lists are then re-sorted in one insertion pass each instead of sorted from scratch.
   */
  readonly neighbours?: CentreNeighbours | undefined;
}

export interface LloydOutcome {
  readonly labels: Uint32Array;
  readonly iterations: number;
  /** True when the assignment stopped changing or the inertia stopped improving. */
  readonly converged: boolean;
  /** Weighted sum of squared distances to the assigned centre, after each iteration. */
  readonly history: number[];
  readonly inertia: number;
}

/**
 * Exact weighted Lloyd iterations, accelerated with Hamerly's bounds (2010): each point keeps an
 * upper bound on the distance to its centre and a lower bound on the distance to any other, so
 * most points skip the search over all k centres once the centres settle. Gives exactly the
 * result of plain Lloyd. Empty clusters are re-seeded on the point that adds most to the inertia
 * (the farthest, by weight), so a centre never becomes NaN. Moves `centres` in place.
 */
export function lloyd(
  points: FloatArray,
  weights: Float64Array,
  dimension: number,
  centres: Float64Array,
  k: number,
  settings: LloydSettings,
): LloydOutcome {
  // Settings are read once: callers pass objects of different shapes, and a read of one inside
  // the loop made the optimized code bail out ("wrong map") on the next caller's shape.
  const { maxIterations, tolerance, guesses, onIteration } = settings;
  const n = weights.length;
  const state: LloydState = {
    points,
    weights,
    dimension,
    centres,
    labels: new Uint32Array(n),
    upper: new Float64Array(n), // distances, not squared
    lower: new Float64Array(n),
    moved: new Float64Array(k),
    neighbours: settings.neighbours ?? new CentreNeighbours(k, dimension),
  };
  const sums = new Float64Array(k * dimension);
  const clusterWeights = new Float64Array(k);
  const previous = new Float64Array(k * dimension);
  const history: number[] = [];

  state.neighbours.update(centres);
  assignAll(state, guesses);

  let inertia = weightedInertia(points, weights, dimension, centres, state.labels);
  let iterations = 0;
  let converged = false;
  // Each step is a function of its own: a cold one-shot optimizes functions called every
  // iteration as a whole, where a long loop inlined here was compiled mid-run (on-stack
  // replacement) and thrown away when the code after it first ran.
  while (iterations < maxIterations) {
    iterations++;
    previous.set(centres);
    updateCentres(points, weights, dimension, centres, k, state.labels, sums, clusterWeights);
    const reseeded = reseedEmptyCentres(
      points,
      weights,
      dimension,
      centres,
      state.labels,
      clusterWeights,
      state.upper,
      state.lower,
    );
    const changes = reassign(state, previous);
    const next = weightedInertia(points, weights, dimension, centres, state.labels);
    history.push(next);
    onIteration?.(iterations, centres, next);
    const improvement = inertia - next;
    inertia = next;
    if (reseeded === 0 && (changes === 0 || (improvement >= 0 && improvement <= tolerance * next))) {
      converged = true;
      break;
    }
  }
  return { labels: state.labels, iterations, converged, history, inertia };
}

/** What the steps of one lloyd() call share. */
interface LloydState {
  readonly points: FloatArray;
  readonly weights: Float64Array;
  readonly dimension: number;
  readonly centres: Float64Array;
  readonly labels: Uint32Array;
  /** Upper bound of each point's distance to its centre. */
  readonly upper: Float64Array;
  /** Lower bound of each point's distance to every other centre. */
  readonly lower: Float64Array;
  /** How far each centre moved in the last update. */
  readonly moved: Float64Array;
  readonly neighbours: CentreNeighbours;
}

/**
 * First assignment of every point, with exact bounds. Consecutive points are often close (unique
 * colours come in scan order), so the previous point's label is a good first guess.
 */
function assignAll(state: LloydState, guesses: Uint32Array | undefined): void {
  const { points, labels, upper, lower, neighbours } = state;
  for (let i = 0, guess = 0; i < labels.length; i++) {
    guess = neighbours.search(points, i, guesses ? guesses[i]! : guess);
    labels[i] = guess;
    upper[i] = neighbours.distance;
    lower[i] = neighbours.secondBound;
  }
}

/**
 * After the centres moved from `previous`: loosens every point's bounds by the moves, and
 * searches again only the points whose bounds no longer prove their label. Returns how many
 * points changed centre.
 */
function reassign(state: LloydState, previous: Float64Array): number {
  const { points, dimension, centres, labels, upper, lower, moved, neighbours } = state;
  const k = moved.length;
  let largest = 0;
  let secondLargest = 0;
  let largestIndex = -1;
  for (let c = 0; c < k; c++) {
    const shift = Math.sqrt(squaredDistance(centres, c * dimension, previous, c * dimension, dimension));
    moved[c] = shift;
    if (shift > largest) {
      secondLargest = largest;
      largest = shift;
      largestIndex = c;
    } else if (shift > secondLargest) {
      secondLargest = shift;
    }
  }
  neighbours.update(centres);

  let changes = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    upper[i]! += moved[label]!;
    lower[i]! -= label === largestIndex ? secondLargest : largest;
    const bound = Math.max(neighbours.nearestGap(label) / 2, lower[i]!);
    if (upper[i]! <= bound) continue;
    upper[i] = Math.sqrt(squaredDistance(points, i * dimension, centres, label * dimension, dimension));
    if (upper[i]! <= bound) continue;
    const nearest = neighbours.search(points, i, label);
    if (nearest !== label) changes++;
    labels[i] = nearest;
    upper[i] = neighbours.distance;
    lower[i] = neighbours.secondBound;
  }
  return changes;
}

function updateCentres(
  points: FloatArray,
  weights: Float64Array,
  dimension: number,
  centres: Float64Array,
  k: number,
  labels: Uint32Array,
  sums: Float64Array,
  clusterWeights: Float64Array,
): void {
  sums.fill(0);
  clusterWeights.fill(0);
  sumClusters(points, weights, dimension, labels, sums, clusterWeights);
  centresFromSums(dimension, centres, k, sums, clusterWeights);
}

/** Adds each point, weighted, into its cluster's coordinate sums and weight. */
function sumClusters(
  points: FloatArray,
  weights: Float64Array,
  dimension: number,
  labels: Uint32Array,
  sums: Float64Array,
  clusterWeights: Float64Array,
): void {
  for (let i = 0; i < weights.length; i++) {
    const c = labels[i]!;
    const w = weights[i]!;
    clusterWeights[c]! += w;
    const o = c * dimension;
    const p = i * dimension;
    for (let j = 0; j < dimension; j++) sums[o + j]! += w * points[p + j]!;
  }
}

/** Each centre with points moves to their weighted mean; an empty one stays (reseeding moves it). */
function centresFromSums(
  dimension: number,
  centres: Float64Array,
  k: number,
  sums: Float64Array,
  clusterWeights: Float64Array,
): void {
  for (let c = 0; c < k; c++) {
    const w = clusterWeights[c]!;
    if (w === 0) continue;
    const o = c * dimension;
    for (let j = 0; j < dimension; j++) centres[o + j] = sums[o + j]! / w;
  }
}

/**
 * Moves each centre that lost all its points onto the point with the largest weighted squared
 * distance to its own centre, taking that point out of its cluster. `upper` holds an upper bound
 * of each point's distance; the exact distance is computed for the pick.
 */
function reseedEmptyCentres(
  points: FloatArray,
  weights: Float64Array,
  dimension: number,
  centres: Float64Array,
  labels: Uint32Array,
  clusterWeights: Float64Array,
  upper: Float64Array,
  lower: Float64Array,
): number {
  const k = clusterWeights.length;
  let reseeded = 0;
  for (let c = 0; c < k; c++) {
    if (clusterWeights[c]! > 0) continue;
    let worst = -1;
    let worstCost = 0;
    for (let i = 0; i < labels.length; i++) {
      const owner = labels[i]!;
      if (clusterWeights[owner]! <= weights[i]!) continue; // never empty another cluster
      const cost = weights[i]! * squaredDistance(points, i * dimension, centres, owner * dimension, dimension);
      if (cost > worstCost) {
        worstCost = cost;
        worst = i;
      }
    }
    if (worst < 0) break; // every point already sits on a centre: nothing left to split
    const owner = labels[worst]!;
    clusterWeights[owner]! -= weights[worst]!;
    clusterWeights[c] = weights[worst]!;
    for (let j = 0; j < dimension; j++) centres[c * dimension + j] = points[worst * dimension + j]!;
    labels[worst] = c;
    upper[worst] = 0;
    lower[worst] = 0;
    reseeded++;
  }
  return reseeded;
}

export function weightedInertia(
  points: FloatArray,
  weights: Float64Array,
  dimension: number,
  centres: Float64Array,
  labels: Uint32Array,
): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i]! * squaredDistance(points, i * dimension, centres, labels[i]! * dimension, dimension);
  }
  return total;
}
