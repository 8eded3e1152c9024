import type { FloatArray } from './nearest.js';

/** What search() reads: see CentreNeighbours.sortedLists(). */
export interface SortedLists {
  /** k × dimension. */
  readonly centres: Float64Array;
  /** Each centre's distance to its nearest other centre. */
  readonly nearestGaps: Float64Array;
  /** For centre g, from g·(k − 1): the other centres, nearest first, and their distances. */
  readonly order: Uint16Array;
  readonly gaps: Float64Array;
  /** How far from sorted a list may be (its first sort is by distance buckets of this width). */
  readonly bucket: number;
}

/**
 * Nearest-centre search that starts from a guess (Phillips' "sort-means"): for every centre g
 * the other centres are kept sorted by their distance to g, and a centre c can only be closer
 * to x than g if |g − c| < |x − g| + best, so the scan stops early. With a good guess (the
 * previous label, or a neighbouring pixel's) it examines a handful of centres instead of k.
 */
export class CentreNeighbours {
  /** Distance (not squared) to the nearest centre found by the last search. */
  distance = 0;
  /** A lower bound on the distance to every other centre, from the last search. */
  secondBound = Infinity;
  private readonly order: Uint16Array;
  private readonly gaps: Float64Array;
  private centres: Float64Array;
  private bucket = 1;
  private distances: Float64Array;
  private readonly nearestGaps: Float64Array;
  private readonly sorted: Uint8Array;
  private readonly everSorted: Uint8Array;
  private readonly keys: Float64Array;

  constructor(
    private readonly k: number,
    private readonly dimension: number,
  ) {
    this.order = new Uint16Array(k * (k - 1));
    this.gaps = new Float64Array(k * (k - 1));
    this.centres = new Float64Array(k * dimension);
    this.distances = new Float64Array(k * k);
    this.nearestGaps = new Float64Array(k);
    this.sorted = new Uint8Array(k);
    this.everSorted = new Uint8Array(k);
    this.keys = new Float64Array(Math.max(0, k - 1));
  }

  /** Recomputes the gaps between centres (and each one's nearest, in the same pass) for new positions; lists are re-sorted on first use. O(k²). */
  update(centres: Float64Array): void {
    this.centres = centres;
    const largest = this.measurePairs();
    this.bucket = largest > 0 ? largest / 2 ** 24 : 1;
    this.sorted.fill(0);
  }

  /**
   * Distances between every pair of centres and each centre's nearest; returns the largest. Its
   * own function, with nothing after the loop: at k = 256 the loop is compiled mid-run, and code
   * after it without type feedback was thrown away at every update.
   */
  private measurePairs(): number {
    const { k, dimension, distances, nearestGaps, centres } = this;
    nearestGaps.fill(Infinity);
    let largest = 0;
    for (let g = 0; g < k; g++) {
      const go = g * dimension;
      let nearest = nearestGaps[g]!;
      for (let c = g + 1; c < k; c++) {
        const co = c * dimension;
        let sum: number;
        if (dimension === 3) {
          const dx = centres[go]! - centres[co]!;
          const dy = centres[go + 1]! - centres[co + 1]!;
          const dz = centres[go + 2]! - centres[co + 2]!;
          sum = dx * dx + dy * dy + dz * dz;
        } else {
          sum = 0;
          for (let j = 0; j < dimension; j++) {
            const d = centres[go + j]! - centres[co + j]!;
            sum += d * d;
          }
        }
        const distance = Math.sqrt(sum);
        distances[g * k + c] = distance;
        distances[c * k + g] = distance;
        if (distance > largest) largest = distance;
        if (distance < nearest) nearest = distance;
        if (distance < nearestGaps[c]!) nearestGaps[c] = distance;
      }
      nearestGaps[g] = nearest;
    }
    return largest;
  }

  /**
   * Sorts one centre's neighbours, on first use after update(): late iterations search from few
   * centres. The first time, a native sort of keys packing a bucketed distance with the centre
   * index (far faster than a comparator; search() stops one bucket late so ties in a bucket are
   * never skipped). Later, centres have moved little: an insertion sort of the previous order,
   * nearly sorted already, takes about one pass.
   */
  private sortRow(g: number): void {
    const { k, order, gaps, distances, keys } = this;
    const base = g * (k - 1);
    const row = g * k;
    if (this.everSorted[g] === 1) {
      // Each entry's new gap is read as the sort reaches it: one pass when nothing moved.
      let previous = -Infinity;
      for (let i = 0; i < k - 1; i++) {
        const c = order[base + i]!;
        const gap = distances[row + c]!;
        let j = i - 1;
        if (gap < previous) {
          while (j >= 0 && gaps[base + j]! > gap) {
            gaps[base + j + 1] = gaps[base + j]!;
            order[base + j + 1] = order[base + j]!;
            j--;
          }
        }
        gaps[base + j + 1] = gap;
        order[base + j + 1] = c;
        previous = gaps[base + i]!;
      }
    } else {
      let written = 0;
      for (let c = 0; c < k; c++) {
        if (c !== g) keys[written++] = Math.floor(distances[row + c]! / this.bucket) * 65536 + c;
      }
      keys.sort();
      for (let i = 0; i < k - 1; i++) {
        const c = keys[i]! % 65536;
        order[base + i] = c;
        gaps[base + i] = distances[row + c]!;
      }
      this.everSorted[g] = 1;
    }
    this.sorted[g] = 1;
  }

  /**
   * Every list sorted, and the arrays search() reads, for a copy of it that runs elsewhere (the
   * WebAssembly mapping kernel, pixel-mapper.ts): the same order, gaps and stop test give the
   * same answers. Valid until the next update().
   */
  sortedLists(): SortedLists {
    for (let g = 0; g < this.k; g++) if (this.sorted[g] === 0) this.sortRow(g);
    return { centres: this.centres, nearestGaps: this.nearestGaps, order: this.order, gaps: this.gaps, bucket: this.bucket };
  }

  /** Distance from centre `centre` to its nearest other centre. */
  nearestGap(centre: number): number {
    return this.nearestGaps[centre]!;
  }

  /** Index of the centre nearest to point `point`, starting from centre `guess`. */
  search(points: FloatArray, point: number, guess: number): number {
    const { k, dimension, order, gaps } = this;
    const offset = point * dimension;
    const guessDistance = Math.sqrt(this.squared(points, offset, guess * dimension));
    // Closer than half the gap to the guess's nearest neighbour: no centre can be closer.
    const nearestGap = this.nearestGaps[guess]!;
    if (2 * guessDistance < nearestGap) {
      this.distance = guessDistance;
      this.secondBound = nearestGap - guessDistance;
      return guess;
    }
    if (this.sorted[guess] === 0) this.sortRow(guess);
    let best = guess;
    let bestDistance = guessDistance;
    let second = Infinity;
    let stop = Infinity;
    const base = guess * (k - 1);
    for (let j = 0; j < k - 1; j++) {
      const gap = gaps[base + j]!;
      if (gap >= guessDistance + bestDistance + this.bucket) {
        stop = gap;
        break;
      }
      const c = order[base + j]!;
      const d = Math.sqrt(this.squared(points, offset, c * dimension));
      // Compared every time, not only on an exact tie: a comparison first made at a rare tie had no
      // type feedback and threw away the compiled search (once per one-shot, mid-mapping).
      const earlier = c < best;
      if (d < bestDistance || (d === bestDistance && earlier)) {
        second = bestDistance;
        bestDistance = d;
        best = c;
      } else if (d < second) {
        second = d;
      }
    }
    this.distance = bestDistance;
    // Centres not examined lie at least (gap − bucket − |x − g|) from x.
    this.secondBound = Math.min(second, stop - this.bucket - guessDistance);
    return best;
  }

  private squared(points: FloatArray, offset: number, centreOffset: number): number {
    const centres = this.centres;
    if (this.dimension === 3) {
      const dx = points[offset]! - centres[centreOffset]!;
      const dy = points[offset + 1]! - centres[centreOffset + 1]!;
      const dz = points[offset + 2]! - centres[centreOffset + 2]!;
      return dx * dx + dy * dy + dz * dz;
    }
    let sum = 0;
    for (let j = 0; j < this.dimension; j++) {
      const d = points[offset + j]! - centres[centreOffset + j]!;
      sum += d * d;
    }
    return sum;
  }
}
