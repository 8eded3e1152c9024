import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMemorySize } from './format-memory-size.js';

void describe('formatMemorySize', () => {
  void it('writes whole MiB below 1 GiB, GiB with one decimal from there', () => {
    const cases: [number, string][] = [
      [512 * 2 ** 20, '512 MiB'],
      [2 ** 30 - 1, '1024 MiB'],
      [2 ** 30, '1.0 GiB'],
      [3.2 * 2 ** 30, '3.2 GiB'],
    ];
    for (const [bytes, text] of cases) assert.equal(formatMemorySize(bytes), text, `${bytes} bytes`);
  });
});
