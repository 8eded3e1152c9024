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
  const n = weights.length;
  const labels = new Uint32Array(n);
  const upper = new Float64Array(n); // distances, not squared
  const lower = new Float64Array(n);
  const sums = new Float64Array(k * dimension);
  const clusterWeights = new Float64Array(k);
  const moved = new Float64Array(k);
  const previous = new Float64Array(k * dimension);
  const neighbours = settings.neighbours ?? new CentreNeighbours(k, dimension);
  const history: number[] = [];

  // Consecutive points are often close (unique colours come in scan order), so the previous
  // point's label is a good first guess.
  neighbours.update(centres);
  const guesses = settings.guesses;
  for (let i = 0, guess = 0; i < n; i++) {
    guess = neighbours.search(points, i, guesses ? guesses[i]! : guess);
    labels[i] = guess;
    upper[i] = neighbours.distance;
    lower[i] = neighbours.secondBound;
  }

  let inertia = weightedInertia(points, weights, dimension, centres, labels);
  let iterations = 0;
  let converged = false;
  while (iterations < settings.maxIterations) {
    iterations++;
    previous.set(centres);
    updateCentres(points, weights, dimension, centres, k, labels, sums, clusterWeights);
    const reseeded = reseedEmptyCentres(points, weights, dimension, centres, labels, clusterWeights, upper, lower);

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
    for (let i = 0; i < n; i++) {
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

    const next = weightedInertia(points, weights, dimension, centres, labels);
    history.push(next);
    settings.onIteration?.(iterations, centres, next);
    const improvement = inertia - next;
    inertia = next;
    if (reseeded === 0 && (changes === 0 || (improvement >= 0 && improvement <= settings.tolerance * next))) {
      converged = true;
      break;
    }
  }
  return { labels, iterations, converged, history, inertia };
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
  const n = weights.length;
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    const w = weights[i]!;
    clusterWeights[c]! += w;
    const o = c * dimension;
    const p = i * dimension;
    for (let j = 0; j < dimension; j++) sums[o + j]! += w * points[p + j]!;
  }
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
