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
  const candidates = new Uint32Array(trials);
  const groupPotentials = new Float64Array(GROUP);

  const first = drawProportional(weights, null, random);
  copyPoint(points, first, centres, 0, dimension);
  // Every point's squared distance to the first centre: potentialWith against no centre yet.
  closest.fill(Infinity);
  let potential = potentialWith(points, weights, closest, first * dimension, dimension, closest);

  const cumulative = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestCandidate = -1;
    let bestPotential = Infinity;
    // One prefix sum per centre serves all its trials: each draw is then a binary search.
    const total = prefixSums(weights, closest, cumulative);
    for (let t = 0; t < trials; t++) {
      candidates[t] = potential > 0 && total > 0 ? searchCumulative(cumulative, random.next() * total) : random.below(n);
    }
    if (dimension === 3) {
      // The trials measured GROUP at a time, in one pass over the points each; then only the
      // chosen one's distances are written.
      for (let t = 0; t < trials; t += GROUP) {
        potentialsWith3(points, weights, closest, candidates, t, groupPotentials);
        for (let j = 0; j < GROUP && t + j < trials; j++) {
          if (groupPotentials[j]! < bestPotential) {
            bestPotential = groupPotentials[j]!;
            bestCandidate = candidates[t + j]!;
          }
        }
      }
      copyPoint(points, bestCandidate, centres, c * dimension, dimension);
      moveCloser3(points, closest, bestCandidate * 3);
    } else {
      for (let t = 0; t < trials; t++) {
        const offset = candidates[t]! * dimension;
        const candidatePotential = potentialWith(points, weights, closest, offset, dimension, candidateDistances);
        if (candidatePotential < bestPotential) {
          bestPotential = candidatePotential;
          bestCandidate = candidates[t]!;
          bestDistances.set(candidateDistances);
        }
      }
      copyPoint(points, bestCandidate, centres, c * dimension, dimension);
      closest.set(bestDistances);
    }
    potential = bestPotential;
  }
  return centres;
}

/*
 * The passes over the points are functions of their own: a cold one-shot optimizes them as a
 * whole, where loops inlined in kmeansPlusPlus were compiled mid-run and thrown away at the next.
 */

/** cumulative[i] = Σ_{j ≤ i} weights[j] · closest[j]; returns the total. */
function prefixSums(weights: Float64Array, closest: Float64Array, cumulative: Float64Array): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) cumulative[i] = total += weights[i]! * closest[i]!;
  return total;
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

/** Σ w·min(closest, d²(x, candidate)), writing each point's new distance into `out` (which may be `closest`). */
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

/** Trials measured together in one pass over the points. */
const GROUP = 4;

/**
 * Σ w·min(closest, d²(x, candidate)) for the GROUP candidates from candidates[from] (the last
 * one repeated where fewer are left), into `out`: each sum adds the same terms in the same order
 * as measuring the candidates one by one.
 */
function potentialsWith3(
  points: FloatArray,
  weights: Float64Array,
  closest: Float64Array,
  candidates: Uint32Array,
  from: number,
  out: Float64Array,
): void {
  const last = candidates.length - 1;
  const a = 3 * candidates[from]!;
  const b = 3 * candidates[Math.min(last, from + 1)]!;
  const c = 3 * candidates[Math.min(last, from + 2)]!;
  const d = 3 * candidates[Math.min(last, from + 3)]!;
  const [ax, ay, az] = [points[a]!, points[a + 1]!, points[a + 2]!];
  const [bx, by, bz] = [points[b]!, points[b + 1]!, points[b + 2]!];
  const [cx, cy, cz] = [points[c]!, points[c + 1]!, points[c + 2]!];
  const [dx, dy, dz] = [points[d]!, points[d + 1]!, points[d + 2]!];
  let pa = 0;
  let pb = 0;
  let pc = 0;
  let pd = 0;
  for (let i = 0, o = 0; i < weights.length; i++, o += 3) {
    const x = points[o]!;
    const y = points[o + 1]!;
    const z = points[o + 2]!;
    const current = closest[i]!;
    const w = weights[i]!;
    const da = (x - ax) * (x - ax) + (y - ay) * (y - ay) + (z - az) * (z - az);
    const db = (x - bx) * (x - bx) + (y - by) * (y - by) + (z - bz) * (z - bz);
    const dc = (x - cx) * (x - cx) + (y - cy) * (y - cy) + (z - cz) * (z - cz);
    const dd = (x - dx) * (x - dx) + (y - dy) * (y - dy) + (z - dz) * (z - dz);
    pa += w * (da < current ? da : current);
    pb += w * (db < current ? db : current);
    pc += w * (dc < current ? dc : current);
    pd += w * (dd < current ? dd : current);
  }
  out[0] = pa;
  out[1] = pb;
  out[2] = pc;
  out[3] = pd;
}

/** closest = min(closest, d²(x, centre)) for every point. */
function moveCloser3(points: FloatArray, closest: Float64Array, offset: number): void {
  const cx = points[offset]!;
  const cy = points[offset + 1]!;
  const cz = points[offset + 2]!;
  for (let i = 0, o = 0; i < closest.length; i++, o += 3) {
    const dx = points[o]! - cx;
    const dy = points[o + 1]! - cy;
    const dz = points[o + 2]! - cz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 < closest[i]!) closest[i] = d2;
  }
}
