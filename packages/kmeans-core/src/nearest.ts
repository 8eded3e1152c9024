/**
 * Nearest-centre search, the innermost loop of every k-means step. Points and centres are flat
 * arrays of `dimension` components each; the 3-D case (colours) has its own unrolled loop.
 */
export type FloatArray = Float32Array | Float64Array;

/** Reused across calls so the hot loops allocate nothing. */
export class Nearest {
  index = 0;
  /** Squared distance to the nearest centre. */
  distance = 0;
}

export function squaredDistance(a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, dimension: number): number {
  let sum = 0;
  for (let j = 0; j < dimension; j++) {
    const delta = a[aOffset + j]! - b[bOffset + j]!;
    sum += delta * delta;
  }
  return sum;
}

/** Finds the nearest of `k` centres to point `point` (the first one, on a tie). */
export function findNearest(
  points: FloatArray,
  point: number,
  centres: Float64Array,
  k: number,
  dimension: number,
  result: Nearest,
): Nearest {
  if (dimension === 3) return findNearest3(points, point * 3, centres, k, result);
  const offset = point * dimension;
  let best = 0;
  let bestDistance = Infinity;
  for (let c = 0; c < k; c++) {
    const distance = squaredDistance(points, offset, centres, c * dimension, dimension);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  }
  result.index = best;
  result.distance = bestDistance;
  return result;
}

function findNearest3(points: FloatArray, offset: number, centres: Float64Array, k: number, result: Nearest): Nearest {
  const x = points[offset]!;
  const y = points[offset + 1]!;
  const z = points[offset + 2]!;
  let best = 0;
  let bestDistance = Infinity;
  for (let c = 0, o = 0; c < k; c++, o += 3) {
    const dx = x - centres[o]!;
    const dy = y - centres[o + 1]!;
    const dz = z - centres[o + 2]!;
    const distance = dx * dx + dy * dy + dz * dz;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  }
  result.index = best;
  result.distance = bestDistance;
  return result;
}
