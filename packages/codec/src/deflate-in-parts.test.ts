import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { adler32, deflateInParts } from './deflate-in-parts.js';

/** Scanline-like bytes: runs and repeats (what deflate finds matches in), some noise. */
function scanlineLike(bytes: number, seed: number): Uint8Array {
  const data = new Uint8Array(bytes);
  let state = seed;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = i >= 4000 && state >>> 30 !== 0 ? data[i - 4000]! : (state >>> 24) & 15;
  }
  return data;
}

describe('deflateInParts', () => {
  test('a stream split in 2 and 3 parts inflates to the same bytes, within 0.1 % of one deflate', async () => {
    const data = scanlineLike(3 << 20, 7);
    const whole = deflateSync(data, { level: 6 });
    for (const parts of [2, 3]) {
      const split = await deflateInParts(data, 6, parts);
      assert.deepEqual(inflateSync(split), Buffer.from(data), `${parts} parts`);
      assert.ok(
        Math.abs(split.length - whole.length) / whole.length < 0.001,
        `${parts} parts: ${split.length} vs ${whole.length} bytes`,
      );
    }
  });

  test('is deterministic, and below 1 MB a part is one plain deflate', async () => {
    const data = scanlineLike(3 << 20, 11);
    assert.deepEqual(await deflateInParts(data, 6, 2), await deflateInParts(data, 6, 2));
    const small = scanlineLike(100_000, 3);
    assert.deepEqual(await deflateInParts(small, 6, 2), deflateSync(small, { level: 6 }));
  });

  test('its header is a valid zlib header for every level (inflate checks it)', async () => {
    const data = scanlineLike(2 << 20, 5);
    for (const level of [1, 3, 6, 9]) assert.equal(inflateSync(await deflateInParts(data, level, 2)).length, data.length);
  });

  test('adler32 matches the checksum zlib writes, across the 5552-byte reduction boundary', () => {
    for (const bytes of [0, 1, 5551, 5552, 5553, 200_000]) {
      const data = Uint8Array.from({ length: bytes }, (_, i) => 255 - (i % 7));
      const stream = deflateSync(data);
      assert.equal(adler32(data), stream.readUInt32BE(stream.length - 4), `${bytes} bytes`);
    }
  });
});
