import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes } from './format-bytes.js';

void describe('formatBytes', () => {
  void it('writes decimal SI units with one decimal, whole bytes below 1 kB', () => {
    const cases: [number, string][] = [
      [0, '0 B'],
      [999, '999 B'],
      [1000, '1.0 kB'],
      [2970, '3.0 kB'],
      [5_900_000, '5.9 MB'],
      [5_949_999, '5.9 MB'],
      [999_960, '1.0 MB'],
      [1_234_567_890, '1.2 GB'],
      [3e12, '3.0 TB'],
    ];
    for (const [bytes, expected] of cases) assert.equal(formatBytes(bytes), expected, String(bytes));
  });

  void it('refuses a negative or non-finite count, naming the value', () => {
    assert.throws(() => formatBytes(-1), /bytes must be a finite number of at least 0, received -1/);
    assert.throws(() => formatBytes(Number.NaN), /received NaN/);
  });
});
