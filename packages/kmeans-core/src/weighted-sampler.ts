import type { Random } from './random.js';

/**
 * Draws indices with probability proportional to their weight in O(1) per draw
 * (Vose's alias method). Built once per k-means run, used by every mini-batch.
 */
export interface WeightedSampler {
  sample(random: Random): number;
}

export function createWeightedSampler(weights: ArrayLike<number>): WeightedSampler {
  const n = weights.length;
  const probability = new Float64Array(n);
  const alias = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]!;
  const small = new Uint32Array(n);
  const large = new Uint32Array(n);
  let smallCount = 0;
  let largeCount = 0;
  for (let i = 0; i < n; i++) {
    const scaled = (weights[i]! * n) / total;
    probability[i] = scaled;
    if (scaled < 1) small[smallCount++] = i;
    else large[largeCount++] = i;
  }
  while (smallCount > 0 && largeCount > 0) {
    const less = small[--smallCount]!;
    const more = large[largeCount - 1]!;
    alias[less] = more;
    const remaining = probability[more]! + probability[less]! - 1;
    probability[more] = remaining;
    if (remaining < 1) {
      largeCount--;
      small[smallCount++] = more;
    }
  }
  while (largeCount > 0) probability[large[--largeCount]!] = 1;
  while (smallCount > 0) probability[small[--smallCount]!] = 1;

  return new AliasSampler(probability, alias);
}

/** A class, not a closure: one `sample` for every sampler, so compiled callers fit them all. */
class AliasSampler implements WeightedSampler {
  constructor(
    private readonly probability: Float64Array,
    private readonly alias: Uint32Array,
  ) {}

  sample(random: Random): number {
    const column = random.below(this.probability.length);
    return random.next() < this.probability[column]! ? column : this.alias[column]!;
  }
}
