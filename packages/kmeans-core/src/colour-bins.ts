/**
 * Groups colours into cells of a grid with 2^bits levels per channel (8 alpha levels), each represented
 * by the weighted mean of its members' working-space coordinates. Cluster centres computed from
 * cells are exactly the means of the member colours; only the assignment is approximated, for
 * a few colours near a boundary, and the final exact passes over all colours correct that.
 */
export interface ColourBins {
  readonly points: Float64Array;
  readonly weights: Float64Array;
  /** Cell index of each colour. */
  readonly cellOf: Uint32Array;
}

export function binColours(
  points: Float64Array,
  weights: Float64Array,
  dimension: number,
  red: Uint8Array,
  green: Uint8Array,
  blue: Uint8Array,
  alpha: Uint8Array | null,
  bits: number,
): ColourBins {
  // One loop per function: a cold run optimizes each whole, where loops in sequence in one
  // function were compiled mid-run and thrown away when the next loop first ran.
  const cellOf = new Uint32Array(weights.length);
  const cells = assignCells(red, green, blue, alpha, bits, cellOf);
  const sums = new Float64Array(cells * dimension);
  const cellWeights = new Float64Array(cells);
  sumCells(points, weights, dimension, cellOf, sums, cellWeights);
  divideByWeights(sums, cellWeights, dimension);
  return { points: sums, weights: cellWeights, cellOf };
}

/** Numbers the occupied cells in order of first member; writes each colour's cell; returns the count. */
function assignCells(
  red: Uint8Array,
  green: Uint8Array,
  blue: Uint8Array,
  alpha: Uint8Array | null,
  bits: number,
  cellOf: Uint32Array,
): number {
  const shift = 8 - bits;
  const table = new Int32Array(1 << (3 * bits + (alpha ? 3 : 0))).fill(-1);
  let cells = 0;
  for (let i = 0; i < cellOf.length; i++) {
    let key = ((red[i]! >> shift) << (2 * bits)) | ((green[i]! >> shift) << bits) | (blue[i]! >> shift);
    if (alpha) key = (key << 3) | (alpha[i]! >> 5);
    let cell = table[key]!;
    if (cell < 0) {
      cell = cells++;
      table[key] = cell;
    }
    cellOf[i] = cell;
  }
  return cells;
}

function sumCells(
  points: Float64Array,
  weights: Float64Array,
  dimension: number,
  cellOf: Uint32Array,
  sums: Float64Array,
  cellWeights: Float64Array,
): void {
  for (let i = 0; i < weights.length; i++) {
    const cell = cellOf[i]!;
    const w = weights[i]!;
    cellWeights[cell]! += w;
    for (let j = 0; j < dimension; j++) sums[cell * dimension + j]! += w * points[i * dimension + j]!;
  }
}

function divideByWeights(sums: Float64Array, cellWeights: Float64Array, dimension: number): void {
  for (let cell = 0; cell < cellWeights.length; cell++) {
    for (let j = 0; j < dimension; j++) sums[cell * dimension + j]! /= cellWeights[cell]!;
  }
}
