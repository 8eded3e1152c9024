import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { buildHistogram, type ColourHistogram } from './colour-histogram.js';
import { createRandom } from './random.js';

/** Every pixel's unique colour is its own colour, and the weights count the pixels. */
function assertConsistent(data: Uint8Array, channels: 3 | 4, histogram: ColourHistogram): void {
  const pixels = data.length / channels;
  assert.equal(histogram.pixelToUnique.length, pixels);
  const counts = new Float64Array(histogram.size);
  for (let p = 0; p < pixels; p++) {
    const u = histogram.pixelToUnique[p]!;
    assert.ok(u < histogram.size);
    counts[u]!++;
    const o = p * channels;
    if (channels === 4 && data[o + 3] === 0) {
      assert.deepEqual([histogram.red[u], histogram.green[u], histogram.blue[u], histogram.alpha![u]], [0, 0, 0, 0]);
      continue;
    }
    assert.equal(histogram.red[u], data[o], `red of pixel ${p}`);
    assert.equal(histogram.green[u], data[o + 1]);
    assert.equal(histogram.blue[u], data[o + 2]);
    if (channels === 4) assert.equal(histogram.alpha![u], data[o + 3]);
  }
  assert.deepEqual(histogram.weights, counts);
}

function distinctColours(data: Uint8Array, channels: 3 | 4): number {
  const seen = new Set<number>();
  for (let o = 0; o < data.length; o += channels) {
    if (channels === 3) seen.add((data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!);
    else seen.add(data[o + 3] === 0 ? -1 : ((data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!) >>> 0);
  }
  return seen.size;
}

void describe('buildHistogram', () => {
  void test('RGB: unique colours in order of first appearance, with pixel counts', () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5, 6, 1, 2, 3, 1, 2, 3, 0, 0, 0, 4, 5, 6);
    const histogram = buildHistogram(data, 3);
    assert.equal(histogram.size, 3);
    assert.deepEqual(Array.from(histogram.red), [1, 4, 0]);
    assert.deepEqual(Array.from(histogram.green), [2, 5, 0]);
    assert.deepEqual(Array.from(histogram.blue), [3, 6, 0]);
    assert.equal(histogram.alpha, null);
    assert.deepEqual(Array.from(histogram.weights), [3, 2, 1]);
    assert.deepEqual(Array.from(histogram.pixelToUnique), [0, 1, 0, 0, 2, 1]);
  });

  void test('RGBA: every fully transparent pixel is the one colour (0, 0, 0, 0)', () => {
    const data = Uint8Array.of(9, 9, 9, 0, 1, 2, 3, 255, 7, 7, 7, 0, 1, 2, 3, 254, 0, 0, 0, 0);
    const histogram = buildHistogram(data, 4);
    assert.equal(histogram.size, 3);
    assert.deepEqual(Array.from(histogram.alpha!), [0, 255, 254]);
    assert.deepEqual(Array.from(histogram.weights), [3, 1, 1]);
    assert.deepEqual(Array.from(histogram.pixelToUnique), [0, 1, 0, 2, 0]);
    assertConsistent(data, 4, histogram);
  });

  void test('bird_small: consistent, and as many unique colours as a Set finds', () => {
    const data = new Uint8Array(readFileSync(new URL('../test-fixtures/bird_small.rgb', import.meta.url)));
    const histogram = buildHistogram(data, 3);
    assert.equal(histogram.size, distinctColours(data, 3));
    assertConsistent(data, 3, histogram);
  });

  void test('random RGBA with many colours grows the hash table and stays consistent', () => {
    const random = createRandom(3);
    const data = Uint8Array.from({ length: 200 * 200 * 4 }, (_, i) =>
      i % 4 === 3 ? [0, 128, 255][random.below(3)]! : random.below(256),
    );
    const histogram = buildHistogram(data, 4);
    assert.equal(histogram.size, distinctColours(data, 4));
    assertConsistent(data, 4, histogram);
  });

  void test('RGB of 2^21 pixels (direct table) agrees with the hash table', () => {
    const random = createRandom(4);
    const pixels = 1 << 21;
    // 5 bits of noise per channel: 32 768 possible colours, each seen many times.
    const data = Uint8Array.from({ length: pixels * 3 }, () => random.below(32) * 8);
    const direct = buildHistogram(data, 3);
    assertConsistent(data, 3, direct);
    const rgba = new Uint8Array(pixels * 4).fill(255);
    for (let p = 0; p < pixels; p++) rgba.set(data.subarray(3 * p, 3 * p + 3), 4 * p);
    const hashed = buildHistogram(rgba, 4);
    assert.equal(direct.size, hashed.size);
    const byColour = (h: ColourHistogram): Map<number, number> =>
      new Map(Array.from({ length: h.size }, (_, u) => [(h.red[u]! << 16) | (h.green[u]! << 8) | h.blue[u]!, h.weights[u]!]));
    assert.deepEqual(byColour(direct), byColour(hashed));
  });
});
