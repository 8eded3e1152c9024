import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kmeansPlusPlus } from './kmeans-plus-plus.js';
import { createRandom, type Random } from './random.js';

/**
 * Greedy k-means++ written plainly, one candidate at a time: the reference that the grouped
 * measuring of kmeansPlusPlus must match to the last bit (same draws, same sums, same picks).
 */
function referenceKmeansPlusPlus(
  points: Float64Array,
  weights: Float64Array,
  dimension: number,
  k: number,
  random: Random,
): Float64Array {
  const n = weights.length;
  const distance = (i: number, centre: Float64Array, offset: number): number => {
    let sum = 0;
    for (let j = 0; j < dimension; j++) {
      const d = points[i * dimension + j]! - centre[offset + j]!;
      sum += d * d;
    }
    return sum;
  };
  const centres = new Float64Array(k * dimension);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]!;
  let target = random.next() * total;
  let first = n - 1;
  for (let i = 0; i < n; i++) {
    target -= weights[i]!;
    if (target < 0) {
      first = i;
      break;
    }
  }
  centres.set(points.subarray(first * dimension, (first + 1) * dimension), 0);
  let closest = Float64Array.from({ length: n }, (_, i) => distance(i, centres, 0));
  let potential = closest.reduce((sum, d, i) => sum + weights[i]! * d, 0);
  const trials = 2 + Math.floor(Math.log(k));
  for (let c = 1; c < k; c++) {
    const cumulative = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) cumulative[i] = sum += weights[i]! * closest[i]!;
    let best = { potential: Infinity, candidate: -1, distances: closest };
    for (let t = 0; t < trials; t++) {
      let candidate: number;
      if (potential > 0 && sum > 0) {
        const drawn = random.next() * sum;
        candidate = cumulative.findIndex((value) => value > drawn);
        if (candidate < 0) candidate = n - 1;
      } else {
        candidate = random.below(n);
      }
      const distances = new Float64Array(n);
      let candidatePotential = 0;
      for (let i = 0; i < n; i++) {
        const d2 = distance(i, points, candidate * dimension);
        distances[i] = d2 < closest[i]! ? d2 : closest[i]!;
        candidatePotential += weights[i]! * distances[i]!;
      }
      if (candidatePotential < best.potential) best = { potential: candidatePotential, candidate, distances };
    }
    centres.set(points.subarray(best.candidate * dimension, (best.candidate + 1) * dimension), c * dimension);
    closest = best.distances;
    potential = best.potential;
  }
  return centres;
}

void describe('kmeansPlusPlus', () => {
  test('the same centres as measuring each candidate alone, whatever the number of trials (k = 2 … 256) and dimension', () => {
    for (const dimension of [3, 4]) {
      const random = createRandom(dimension);
      const n = 600;
      const points = Float64Array.from({ length: n * dimension }, () => random.below(256) + random.next());
      // Some points far heavier than others, as colour counts are.
      const weights = Float64Array.from({ length: n }, (_, i) => 1 + (i % 7 === 0 ? random.below(500) : random.below(3)));
      for (const k of [2, 5, 16, 64, 256]) {
        const grouped = kmeansPlusPlus(points, weights, dimension, k, createRandom(k));
        const reference = referenceKmeansPlusPlus(points, weights, dimension, k, createRandom(k));
        assert.deepEqual(grouped, reference, `dimension ${dimension}, k = ${k}`);
      }
    }
  });
});
