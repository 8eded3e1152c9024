import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRandom } from './index.js';

void describe('createRandom', () => {
  void test('the same seed gives the same sequence; another seed another one', () => {
    const draw = (seed: number): number[] => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () => random.next());
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
    assert.notDeepEqual(draw(0), draw(0xffffffff));
  });

  void test('next() is in [0, 1) and roughly uniform', () => {
    const random = createRandom(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const value = random.next();
      assert.ok(value >= 0 && value < 1, `${value}`);
      buckets[Math.floor(value * 10)]!++;
    }
    for (const count of buckets) assert.ok(Math.abs(count - 10_000) < 500, `bucket count ${count}`);
  });

  void test('below(n) gives every integer in [0, n)', () => {
    const random = createRandom(2);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const value = random.below(7);
      assert.ok(Number.isInteger(value) && value >= 0 && value < 7);
      seen.add(value);
    }
    assert.equal(seen.size, 7);
  });
});
