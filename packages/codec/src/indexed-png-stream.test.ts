import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { expandPalette } from './encode.js';
import { encodeIndexedPng, scanlineBytes, type IndexedImage } from './indexed-png.js';
import { IndexedPngStream } from './indexed-png-stream.js';

function testImage(width: number, height: number, entries: number, seed: number): IndexedImage {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16;
  const palette = Uint8Array.from({ length: entries * 3 }, () => next() & 255);
  // Runs of one index, as a photo's indices have, so that deflate has matches to find across seams.
  const indices = Uint8Array.from({ length: width * height }, (_, p) => ((p >> 3) + (next() % 3)) % entries);
  return { width, height, palette, paletteAlpha: null, indices };
}

/** Streams `image` with rows made final in the given steps (row counts), then finishes. */
async function stream(
  image: IndexedImage,
  steps: readonly number[],
  pieceBytes?: number,
  scanlines?: Uint8Array,
): Promise<Buffer> {
  const png = new IndexedPngStream(image, { ...(pieceBytes === undefined ? {} : { pieceBytes }), scanlines });
  for (const rows of steps) png.addRows(image.indices, rows);
  return png.finish(image.indices);
}

/** The chunk types of a PNG and its IDAT data inflated, checking every CRC. */
function readPng(png: Buffer): { types: string[]; raw: Buffer } {
  const types: string[] = [];
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    assert.equal(png.readUInt32BE(offset + 8 + length), crc32(png.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    types.push(type);
    if (type === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return { types, raw: inflateSync(Buffer.concat(idat)) };
}

void describe('IndexedPngStream', () => {
  void test('in many pieces, 8-bit and 4-bit: libvips and zlib read the pixels of encodeIndexedPng; size within 0.5 %', async () => {
    for (const entries of [200, 16]) {
      const image = testImage(1200, 900, entries, entries);
      const whole = encodeIndexedPng(image);
      // 64-KB pieces: a 1-MB image in 17 of them (4-bit: 8), each a seam to get right.
      const streamed = await stream(image, [100, 450, 899], 64 * 1024);
      assert.notDeepEqual(streamed, whole, 'pieces make a different stream');
      assert.ok(Math.abs(streamed.length - whole.length) / whole.length < 0.005, `${streamed.length} vs ${whole.length} bytes`);
      const { types, raw } = readPng(streamed);
      assert.deepEqual(types, ['IHDR', 'PLTE', 'IDAT', 'IEND']);
      assert.deepEqual(raw, readPng(whole).raw, 'the same scanlines (and zlib checks the Adler-32)');
      const { data, info } = await sharp(streamed).raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.channels, 3);
      assert.deepEqual(data, expandPalette(image, 3), `${entries} entries`);
    }
  });

  void test('the same bytes however the rows arrive, and with scanline memory full of junk', async () => {
    const image = testImage(333, 211, 40, 7);
    const expected = await stream(image, [211], 16 * 1024);
    assert.deepEqual(
      await stream(
        image,
        Array.from({ length: 211 }, (_, y) => y + 1),
        16 * 1024,
      ),
      expected,
      'a row at a time',
    );
    assert.deepEqual(await stream(image, [5, 5, 3, 150, 400], 16 * 1024), expected, 'repeats, steps back, past the end');
    assert.deepEqual(await stream(image, [], 16 * 1024), expected, 'nothing before finish');
    const junk = new Uint8Array(scanlineBytes(333, 211)).fill(0xab);
    assert.deepEqual(await stream(image, [17, 99], 16 * 1024, junk), expected, 'memory allocated ahead');
  });

  void test('a small image is one piece: the bytes of encodeIndexedPng', async () => {
    const image = testImage(64, 48, 9, 3);
    assert.deepEqual(await stream(image, [10, 48]), encodeIndexedPng(image));
  });

  void test('finish refuses indices of the wrong size', async () => {
    const image = testImage(10, 10, 4, 1);
    const png = new IndexedPngStream(image);
    await assert.rejects(png.finish(new Uint8Array(99)), /width × height = 100 entries, received 99/);
  });
});
