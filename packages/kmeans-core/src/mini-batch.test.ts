import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { kmeans } from './index.js';

function loadTutorialPoints(): Float64Array {
  const text = readFileSync(new URL('../../../samples/ex7data2.csv', import.meta.url), 'utf8');
  return Float64Array.from(
    text
      .trim()
      .split('\n')
      .slice(1)
      .flatMap((row) => row.split(',').map(Number)),
  );
}

/** All 16384 pixels of bird_small as 3-D points (not deduplicated). */
function loadBirdPoints(): Float64Array {
  const bytes = readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url));
  assert.equal(bytes.length, 128 * 128 * 3);
  return Float64Array.from(bytes);
}

const data = [
  { name: 'ex7data2 (2-D, k=3)', load: loadTutorialPoints, dimension: 2, k: 3 },
  { name: 'bird_small pixels (3-D, k=16)', load: loadBirdPoints, dimension: 3, k: 16 },
];

void describe('mini-batch k-means is within 1% of Lloyd inertia', () => {
  for (const { name, load, dimension, k } of data) {
    const points = load();
    for (let seed = 1; seed <= 5; seed++) {
      void test(`${name}, seed ${seed}`, () => {
        const miniBatch = kmeans(points, { dimension, k, seed });
        const exact = kmeans(points, { dimension, k, seed, maxSteps: 0, lloydIterations: 500, tolerance: 0 });
        assert.equal(miniBatch.lloydIterations, 0);
        assert.ok(miniBatch.miniBatchSteps > 0);
        assert.equal(exact.miniBatchSteps, 0);
        assert.ok(exact.converged, 'Lloyd did not converge in 500 iterations');
        assert.ok(
          miniBatch.inertia <= 1.01 * exact.inertia,
          `mini-batch inertia ${miniBatch.inertia} is ${((miniBatch.inertia / exact.inertia - 1) * 100).toFixed(2)}% above Lloyd's ${exact.inertia}`,
        );
      });
    }
  }

  void test('mini-batch history is reported per step, scaled to the whole data set', () => {
    const points = loadTutorialPoints();
    const result = kmeans(points, { dimension: 2, k: 3, seed: 1 });
    assert.equal(result.miniBatchInertia.length, result.miniBatchSteps);
    const last = result.miniBatchInertia.at(-1)!;
    // A smoothed estimate from samples: same order of magnitude as the exact inertia.
    assert.ok(last > 0.5 * result.inertia && last < 2 * result.inertia, `${last} vs ${result.inertia}`);
  });

  void test('maxSteps bounds the mini-batch phase', () => {
    const points = loadBirdPoints();
    const result = kmeans(points, { dimension: 3, k: 16, seed: 1, maxSteps: 3 });
    assert.equal(result.miniBatchSteps, 3);
    assert.equal(result.converged, false);
  });
});
