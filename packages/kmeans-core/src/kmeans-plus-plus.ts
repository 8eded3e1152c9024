import { type FloatArray, squaredDistance } from './nearest.js';
import type { Random } from './random.js';

/**
 * Greedy weighted k-means++ (Arthur & Vassilvitskii; the greedy variant scikit-learn uses):
 * each new centre is the best of `2 + ln k` candidates drawn with probability proportional to
 * weight × squared distance to the nearest chosen centre. Returns `k` centres, flat.
 */
export function kmeansPlusPlus(
  points: FloatArray,
  weights: Float64Array,
  dimension: number,
  k: number,
  random: Random,
): Float64Array {
  const n = weights.length;
  const centres = new Float64Array(k * dimension);
  const closest = new Float64Array(n);
  const candidateDistances = new Float64Array(n);
  const bestDistances = new Float64Array(n);
  const trials = 2 + Math.floor(Math.log(k));

  const first = drawProportional(weights, null, random);
  copyPoint(points, first, centres, 0, dimension);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    const d = squaredDistance(points, i * dimension, centres, 0, dimension);
    closest[i] = d;
    potential += weights[i]! * d;
  }

  const cumulative = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestCandidate = -1;
    let bestPotential = Infinity;
    // One prefix sum per centre serves all its trials: each draw is then a binary search.
    let total = 0;
    for (let i = 0; i < n; i++) cumulative[i] = total += weights[i]! * closest[i]!;
    for (let t = 0; t < trials; t++) {
      const candidate = potential > 0 && total > 0 ? searchCumulative(cumulative, random.next() * total) : random.below(n);
      const offset = candidate * dimension;
      const candidatePotential =
        dimension === 3
          ? potentialWith3(points, weights, closest, offset, candidateDistances)
          : potentialWith(points, weights, closest, offset, dimension, candidateDistances);
      if (candidatePotential < bestPotential) {
        bestPotential = candidatePotential;
        bestCandidate = candidate;
        bestDistances.set(candidateDistances);
      }
    }
    copyPoint(points, bestCandidate, centres, c * dimension, dimension);
    closest.set(bestDistances);
    potential = bestPotential;
  }
  return centres;
}

/** First index whose prefix sum exceeds `target` (it carries mass, so it can be drawn). */
function searchCumulative(cumulative: Float64Array, target: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cumulative[middle]! > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Index drawn with probability ∝ weights[i] × (factor ? factor[i] : 1). */
function drawProportional(weights: Float64Array, factor: Float64Array | null, random: Random): number {
  const n = weights.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]! * (factor ? factor[i]! : 1);
  let target = random.next() * total;
  for (let i = 0; i < n; i++) {
    target -= weights[i]! * (factor ? factor[i]! : 1);
    if (target < 0) return i;
  }
  // Rounding left a sliver of mass: take the last point with any weight.
  for (let i = n - 1; i >= 0; i--) if (weights[i]! * (factor ? factor[i]! : 1) > 0) return i;
  return n - 1;
}

function copyPoint(source: FloatArray, index: number, target: Float64Array, targetOffset: number, dimension: number): void {
  for (let j = 0; j < dimension; j++) target[targetOffset + j] = source[index * dimension + j]!;
}

/** Σ w·min(closest, d²(x, candidate)), writing each point's new distance into `out`. */
function potentialWith(
  points: FloatArray,
  weights: Float64Array,
  closest: Float64Array,
  offset: number,
  dimension: number,
  out: Float64Array,
): number {
  let potential = 0;
  for (let i = 0; i < weights.length; i++) {
    const d = Math.min(closest[i]!, squaredDistance(points, i * dimension, points, offset, dimension));
    out[i] = d;
    potential += weights[i]! * d;
  }
  return potential;
}

function potentialWith3(
  points: FloatArray,
  weights: Float64Array,
  closest: Float64Array,
  offset: number,
  out: Float64Array,
): number {
  const x = points[offset]!;
  const y = points[offset + 1]!;
  const z = points[offset + 2]!;
  let potential = 0;
  for (let i = 0, o = 0; i < weights.length; i++, o += 3) {
    const dx = points[o]! - x;
    const dy = points[o + 1]! - y;
    const dz = points[o + 2]! - z;
    const d2 = dx * dx + dy * dy + dz * dz;
    const d = d2 < closest[i]! ? d2 : closest[i]!;
    out[i] = d;
    potential += weights[i]! * d;
  }
  return potential;
}
