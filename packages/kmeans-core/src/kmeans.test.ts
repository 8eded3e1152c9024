import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createRandom, kmeans, type KmeansResult } from './index.js';

/** ex7data2 (the tutorial's 300 2-D points), flat x1, x2, x1, x2 … */
function loadTutorialPoints(): Float64Array {
  const text = readFileSync(new URL('../../../samples/ex7data2.csv', import.meta.url), 'utf8');
  const rows = text.trim().split('\n').slice(1);
  assert.equal(rows.length, 300);
  return Float64Array.from(rows.flatMap((row) => row.split(',').map(Number)));
}

function randomPoints(seed: number, n: number, dimension: number, scale = 100): Float64Array {
  const random = createRandom(seed);
  return Float64Array.from({ length: n * dimension }, () => random.next() * scale);
}

/** Index of the nearest centroid by squared distance; ties go to the lowest index. */
function bruteForceLabels(points: Float32Array | Float64Array, dimension: number, centroids: Float64Array): Uint32Array {
  const n = points.length / dimension;
  const k = centroids.length / dimension;
  const labels = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < k; c++) {
      let distance = 0;
      for (let j = 0; j < dimension; j++) distance += (points[i * dimension + j]! - centroids[c * dimension + j]!) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    labels[i] = best;
  }
  return labels;
}

function recomputeInertia(
  points: Float32Array | Float64Array,
  dimension: number,
  result: KmeansResult,
  weights?: Float64Array,
): number {
  let total = 0;
  for (let i = 0; i < result.labels.length; i++) {
    const c = result.labels[i]!;
    let distance = 0;
    for (let j = 0; j < dimension; j++) distance += (points[i * dimension + j]! - result.centroids[c * dimension + j]!) ** 2;
    total += (weights ? weights[i]! : 1) * distance;
  }
  return total;
}

function assertAllFinite(values: Float64Array): void {
  for (const value of values) assert.ok(Number.isFinite(value), `non-finite centroid component ${value}`);
}

void describe('kmeans on the tutorial data set (ex7data2)', () => {
  void test('Lloyd from the tutorial initial centroids converges to the centroids the tutorial reports', () => {
    const points = loadTutorialPoints();
    const result = kmeans(points, {
      dimension: 2,
      k: 3,
      initialCentroids: Float64Array.of(3, 3, 6, 2, 8, 5),
      maxSteps: 0,
      lloydIterations: 100,
    });
    const expected = [
      [1.954, 5.0256],
      [3.0437, 1.0154],
      [6.0337, 3.0005],
    ];
    assert.equal(result.centroids.length, 6);
    expected.forEach(([x, y], c) => {
      assert.ok(Math.abs(result.centroids[2 * c]! - x!) < 5e-4, `centroid ${c} x: ${result.centroids[2 * c]}`);
      assert.ok(Math.abs(result.centroids[2 * c + 1]! - y!) < 5e-4, `centroid ${c} y: ${result.centroids[2 * c + 1]}`);
    });
    assert.equal(result.converged, true);
    assert.equal(result.miniBatchSteps, 0);
    assert.ok(result.lloydIterations >= 1 && result.lloydIterations < 100);
    assert.deepEqual(result.labels, bruteForceLabels(points, 2, result.centroids));
  });

  void test('onLloydIteration sees every iteration with non-increasing inertia', () => {
    const points = loadTutorialPoints();
    const seen: number[] = [];
    const result = kmeans(points, {
      dimension: 2,
      k: 3,
      initialCentroids: Float64Array.of(3, 3, 6, 2, 8, 5),
      maxSteps: 0,
      lloydIterations: 10,
      onLloydIteration: (iteration, centroids, inertia) => {
        assert.equal(iteration, seen.length + 1);
        assert.equal(centroids.length, 6);
        seen.push(inertia);
      },
    });
    assert.equal(seen.length, result.lloydIterations);
    assert.deepEqual(Array.from(result.lloydInertia), seen);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! <= seen[i - 1]! + 1e-9, `inertia rose at iteration ${i + 1}`);
    assert.equal(result.inertia, seen.at(-1));
  });
});

void describe('kmeans labels equal the brute-force nearest centroid', () => {
  const cases = [
    { dimension: 3, n: 3000, k: 10, seed: 11 },
    { dimension: 5, n: 2000, k: 12, seed: 12 },
  ];
  for (const { dimension, n, k, seed } of cases) {
    for (const lloydIterations of [1, 3, 100]) {
      void test(`${dimension}-D, k=${k}, lloydIterations=${lloydIterations}`, () => {
        const points = randomPoints(seed, n, dimension);
        const result = kmeans(points, { dimension, k, seed, lloydIterations });
        assert.equal(result.labels.length, n);
        assertAllFinite(result.centroids);
        assert.deepEqual(result.labels, bruteForceLabels(points, dimension, result.centroids));
        const inertia = recomputeInertia(points, dimension, result);
        assert.ok(Math.abs(result.inertia - inertia) <= 1e-9 * inertia, `inertia ${result.inertia} ≠ ${inertia}`);
      });
    }
  }

  void test('Lloyd only (no mini-batch), 5-D Float32Array points', () => {
    const points = Float32Array.from(randomPoints(13, 1500, 5));
    const result = kmeans(points, { dimension: 5, k: 20, seed: 3, maxSteps: 0, lloydIterations: 50 });
    assert.deepEqual(result.labels, bruteForceLabels(points, 5, result.centroids));
  });

  void test('mini-batch only (no Lloyd), 3-D', () => {
    const points = randomPoints(14, 2000, 3);
    const result = kmeans(points, { dimension: 3, k: 16, seed: 4 });
    assert.equal(result.lloydIterations, 0);
    assert.deepEqual(result.labels, bruteForceLabels(points, 3, result.centroids));
  });
});

void describe('kmeans weights', () => {
  void test('integer weights give the centroids of the same points repeated', () => {
    const random = createRandom(21);
    const base = randomPoints(22, 200, 3);
    const weights = Float64Array.from({ length: 200 }, () => 1 + random.below(4));
    const repeated: number[] = [];
    weights.forEach((w, i) => {
      for (let r = 0; r < w; r++) repeated.push(base[3 * i]!, base[3 * i + 1]!, base[3 * i + 2]!);
    });
    const initialCentroids = base.slice(0, 15);
    const options = { dimension: 3, k: 5, initialCentroids, maxSteps: 0, lloydIterations: 100, tolerance: 0 };
    const weighted = kmeans(base, { ...options, weights });
    const plain = kmeans(Float64Array.from(repeated), options);
    weighted.centroids.forEach((value, i) => assert.ok(Math.abs(value - plain.centroids[i]!) < 1e-9, `component ${i}`));
    assert.ok(Math.abs(weighted.inertia - plain.inertia) < 1e-6 * plain.inertia);
    assert.ok(Math.abs(weighted.inertia - recomputeInertia(base, 3, weighted, weights)) < 1e-6 * plain.inertia);
  });

  void test('a zero weight does not pull a centroid', () => {
    const points = Float64Array.of(0, 0, 2, 0, 1000, 1000, 10, 10, 12, 10);
    const weights = Float64Array.of(1, 1, 0, 1, 1);
    const result = kmeans(points, {
      dimension: 2,
      k: 2,
      weights,
      initialCentroids: Float64Array.of(0, 0, 10, 10),
      maxSteps: 0,
      lloydIterations: 10,
    });
    assert.deepEqual(Array.from(result.centroids), [1, 0, 11, 10]);
  });
});

void describe('kmeans never yields NaN centroids for empty clusters', () => {
  const points = randomPoints(31, 400, 2, 10);
  const starts = {
    'two identical initial centres': Float64Array.of(5, 5, 5, 5, 1, 1),
    'a centre far from all data': Float64Array.of(1, 1, 1e6, -1e6, 8, 8),
    'all centres identical': Float64Array.of(3, 3, 3, 3, 3, 3),
  };
  for (const [name, initialCentroids] of Object.entries(starts)) {
    for (const [phase, options] of Object.entries({
      'Lloyd only': { maxSteps: 0, lloydIterations: 50 },
      'mini-batch only': {},
      'mini-batch then Lloyd': { lloydIterations: 20 },
    })) {
      void test(`${name}, ${phase}`, () => {
        const result = kmeans(points, { dimension: 2, k: 3, initialCentroids, ...options });
        assertAllFinite(result.centroids);
        assert.ok(Number.isFinite(result.inertia));
        assert.deepEqual(result.labels, bruteForceLabels(points, 2, result.centroids));
        // Every centre was moved off the far or duplicated start: all three are in use.
        if (options.lloydIterations) assert.equal(new Set(result.labels).size, 3);
      });
    }
  }

  void test('fewer distinct points than k', () => {
    const points = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 4 : 7));
    for (const lloydIterations of [0, 10]) {
      const result = kmeans(points, { dimension: 2, k: 3, seed: 5, lloydIterations });
      assertAllFinite(result.centroids);
      assert.equal(result.inertia, 0);
    }
  });
});

void describe('kmeans determinism and restarts', () => {
  void test('the same seed gives identical centroids and labels', () => {
    const points = randomPoints(41, 1000, 3);
    const a = kmeans(points, { dimension: 3, k: 8, seed: 9, lloydIterations: 5 });
    const b = kmeans(points, { dimension: 3, k: 8, seed: 9, lloydIterations: 5 });
    assert.deepEqual(a.centroids, b.centroids);
    assert.deepEqual(a.labels, b.labels);
    assert.equal(a.inertia, b.inertia);
  });

  void test('restarts keep the best run, never worse than the first', () => {
    const points = randomPoints(42, 1000, 3);
    const one = kmeans(points, { dimension: 3, k: 8, seed: 9, lloydIterations: 20 });
    const four = kmeans(points, { dimension: 3, k: 8, seed: 9, lloydIterations: 20, restarts: 4 });
    assert.ok(four.inertia <= one.inertia);
    assert.deepEqual(four.labels, bruteForceLabels(points, 3, four.centroids));
  });

  void test('k = 1 gives the weighted mean', () => {
    const points = Float64Array.of(0, 0, 4, 0, 0, 8);
    const result = kmeans(points, { dimension: 2, k: 1, weights: Float64Array.of(2, 1, 1), lloydIterations: 5 });
    assert.deepEqual(Array.from(result.centroids), [1, 2]);
    assert.deepEqual(Array.from(result.labels), [0, 0, 0]);
  });
});
