import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidOptionError, kmeans, type KmeansOptions } from './index.js';

/** Asserts that `run` throws an InvalidOptionError naming `option` with exactly `message`. */
function assertInvalid(run: () => unknown, option: string, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, `expected InvalidOptionError, got ${String(error)}`);
    assert.ok(error instanceof RangeError);
    assert.equal(error.name, 'InvalidOptionError');
    assert.equal(error.option, option);
    assert.equal(error.message, message);
    return true;
  });
}

const points = Float64Array.of(0, 0, 1, 1, 5, 5, 6, 6);
const base: KmeansOptions = { dimension: 2, k: 2 };

void describe('kmeans rejects invalid options', () => {
  void test('the valid base case runs', () => {
    assert.equal(kmeans(points, base).centroids.length, 4);
  });

  const cases: [string, () => unknown, string, string][] = [
    [
      'dimension 0',
      () => kmeans(points, { ...base, dimension: 0 }),
      'dimension',
      'dimension must be an integer between 1 and 1024, received 0',
    ],
    [
      'dimension 1.5',
      () => kmeans(points, { ...base, dimension: 1.5 }),
      'dimension',
      'dimension must be an integer between 1 and 1024, received 1.5',
    ],
    [
      'dimension as a string',
      () => kmeans(points, { ...base, dimension: '2' as unknown as number }),
      'dimension',
      'dimension must be an integer between 1 and 1024, received "2"',
    ],
    [
      'points length not a multiple of dimension',
      () => kmeans(Float64Array.of(0, 0, 1, 1, 5), base),
      'points',
      'points must be a non-empty array whose length is a multiple of dimension 2, received Float64Array(5)',
    ],
    [
      'no points',
      () => kmeans(new Float64Array(0), base),
      'points',
      'points must be a non-empty array whose length is a multiple of dimension 2, received Float64Array(0)',
    ],
    [
      'points as a plain array',
      () => kmeans([0, 0, 1, 1] as unknown as Float64Array, base),
      'points',
      'points must be a Float32Array or Float64Array, received an array of length 4',
    ],
    ['k 0', () => kmeans(points, { ...base, k: 0 }), 'k', 'k must be an integer between 1 and 4, received 0'],
    [
      'k above the number of points',
      () => kmeans(points, { ...base, k: 5 }),
      'k',
      'k must be an integer between 1 and 4, received 5',
    ],
    [
      'negative weight',
      () => kmeans(points, { ...base, weights: Float64Array.of(1, -1, 1, 1) }),
      'weights',
      'weights must be finite and non-negative, received -1',
    ],
    [
      'NaN weight',
      () => kmeans(points, { ...base, weights: Float64Array.of(1, NaN, 1, 1) }),
      'weights',
      'weights must be finite and non-negative, received NaN',
    ],
    [
      'all-zero weights',
      () => kmeans(points, { ...base, weights: new Float64Array(4) }),
      'weights',
      'weights must be not all zero, received 0',
    ],
    [
      'wrong weights length',
      () => kmeans(points, { ...base, weights: Float64Array.of(1, 1, 1) }),
      'weights',
      'weights must be an array of 4 weights (one per point), received Float64Array(3)',
    ],
    [
      'wrong initialCentroids length',
      () => kmeans(points, { ...base, initialCentroids: Float64Array.of(0, 0, 1) }),
      'initialCentroids',
      'initialCentroids must be an array of k × dimension = 4 numbers, received Float64Array(3)',
    ],
    [
      'non-finite initialCentroids',
      () => kmeans(points, { ...base, initialCentroids: Float64Array.of(0, 0, Infinity, 1) }),
      'initialCentroids',
      'initialCentroids must be finite numbers, received Infinity',
    ],
    [
      'seed -1',
      () => kmeans(points, { ...base, seed: -1 }),
      'seed',
      'seed must be an integer between 0 and 4294967295, received -1',
    ],
    [
      'batchSize 0',
      () => kmeans(points, { ...base, batchSize: 0 }),
      'batchSize',
      'batchSize must be an integer between 1 and 1048576, received 0',
    ],
    [
      'forgetting 1',
      () => kmeans(points, { ...base, forgetting: 1 }),
      'forgetting',
      'forgetting must be a number between 0 and 0.99, received 1',
    ],
    [
      'tolerance NaN',
      () => kmeans(points, { ...base, tolerance: NaN }),
      'tolerance',
      'tolerance must be a number between 0 and 1, received NaN',
    ],
    [
      'lloydIterations -1',
      () => kmeans(points, { ...base, lloydIterations: -1 }),
      'lloydIterations',
      'lloydIterations must be an integer between 0 and 1000000, received -1',
    ],
    [
      'restarts 0',
      () => kmeans(points, { ...base, restarts: 0 }),
      'restarts',
      'restarts must be an integer between 1 and 1000, received 0',
    ],
  ];
  for (const [name, run, option, message] of cases) {
    void test(name, () => assertInvalid(run, option, message));
  }
});
