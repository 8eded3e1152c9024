import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dropUnusedEntries } from './palette-mapping.js';

void describe('dropUnusedEntries', () => {
  test('an entry no pixel uses leaves the palette; the rest are ordered by use and every pixel keeps its colour', () => {
    // Entries 0…3 (red, green, blue, white) written at positions rank = [2, 0, 3, 1]; green unused.
    const palette8 = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255);
    const rank = Uint8Array.of(2, 0, 3, 1);
    const usage = Float64Array.of(2, 0, 1, 3);
    const pixelsByEntry = [0, 3, 3, 2, 0, 3];
    const indices = Uint8Array.from(pixelsByEntry, (entry) => rank[entry]!);
    const palette = dropUnusedEntries(palette8, rank, usage, indices);
    // White (3 pixels), red (2), blue (1).
    assert.deepEqual(Array.from(palette), [255, 255, 255, 255, 0, 0, 0, 0, 255]);
    assert.deepEqual(Array.from(indices), [1, 0, 0, 2, 1, 0]);
    pixelsByEntry.forEach((entry, p) => {
      assert.deepEqual(
        Array.from(palette.subarray(indices[p]! * 3, indices[p]! * 3 + 3)),
        Array.from(palette8.subarray(entry * 3, entry * 3 + 3)),
        `pixel ${p}`,
      );
    });
  });
});
