import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { expandPalette } from './encode.js';
import { bitDepthFor, encodeIndexedPng, encodeIndexedPngInParts, scanlineBytes, type IndexedImage } from './indexed-png.js';

interface Chunk {
  readonly type: string;
  readonly data: Buffer;
}

/** Splits a PNG into chunks, checking the signature, every length and every CRC. */
function parseChunks(png: Buffer): Chunk[] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    assert.ok(offset + 12 <= png.length, 'truncated chunk');
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    assert.equal(crc, crc32(png.subarray(offset + 4, offset + 8 + length)), `CRC of ${type}`);
    chunks.push({ type, data });
    offset += 12 + length;
  }
  assert.equal(offset, png.length);
  return chunks;
}

/** Unpacks the filter-0 scanlines of an IDAT stream into one index per pixel. */
function unpackIndices(raw: Buffer, width: number, height: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  assert.equal(raw.length, height * (1 + rowBytes), 'inflated IDAT size');
  const indices = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * (1 + rowBytes);
    assert.equal(raw[row], 0, `filter type of row ${y}`);
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = raw[row + 1 + (bit >> 3)]!;
      indices[y * width + x] = (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    }
    // Padding bits after the last pixel are zero.
    const usedBits = width * depth;
    if (usedBits % 8 !== 0) assert.equal(raw[row + rowBytes]! & ((1 << (8 - (usedBits % 8))) - 1), 0, `padding of row ${y}`);
  }
  return indices;
}

function testImage(width: number, height: number, entries: number, alpha: number[] | null, seed: number): IndexedImage {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16;
  const palette = Uint8Array.from({ length: entries * 3 }, () => next() & 255);
  // Make sure the last entry is used, so the depth choice matters.
  const indices = Uint8Array.from({ length: width * height }, (_, p) =>
    p === width * height - 1 ? entries - 1 : next() % entries,
  );
  // Entries past the given alphas are opaque.
  const paletteAlpha = alpha ? Uint8Array.from({ length: entries }, (_, e) => alpha[e] ?? 255) : null;
  return { width, height, palette, paletteAlpha, indices };
}

/** Full structural check of one encoded image against its input. */
function checkPng(image: IndexedImage): Chunk[] {
  const png = encodeIndexedPng(image);
  const chunks = parseChunks(png);
  const types = chunks.map((c) => c.type);
  assert.equal(types[0], 'IHDR');
  assert.equal(types.at(-1), 'IEND');
  assert.equal(chunks.at(-1)!.data.length, 0);
  const entries = image.palette.length / 3;
  const depth = entries <= 2 ? 1 : entries <= 4 ? 2 : entries <= 16 ? 4 : 8;

  const ihdr = chunks[0]!.data;
  assert.equal(ihdr.length, 13);
  assert.equal(ihdr.readUInt32BE(0), image.width);
  assert.equal(ihdr.readUInt32BE(4), image.height);
  assert.equal(ihdr[8], depth, 'bit depth');
  assert.equal(ihdr[9], 3, 'colour type');
  assert.deepEqual([ihdr[10], ihdr[11], ihdr[12]], [0, 0, 0], 'compression, filter, interlace');

  const plte = chunks.filter((c) => c.type === 'PLTE');
  assert.equal(plte.length, 1);
  assert.equal(plte[0]!.data.length, 3 * entries);
  assert.deepEqual(new Uint8Array(plte[0]!.data), image.palette);

  const trns = chunks.filter((c) => c.type === 'tRNS');
  const alpha = image.paletteAlpha ? Array.from(image.paletteAlpha.subarray(0, entries)) : [];
  const lastTranslucent = alpha.findLastIndex((a) => a < 255);
  if (lastTranslucent < 0) {
    assert.equal(trns.length, 0, 'tRNS without translucent entries');
  } else {
    assert.equal(trns.length, 1);
    assert.deepEqual(Array.from(trns[0]!.data), alpha.slice(0, lastTranslucent + 1));
    assert.ok(types.indexOf('PLTE') < types.indexOf('tRNS') && types.indexOf('tRNS') < types.indexOf('IDAT'));
  }

  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  assert.ok(types.indexOf('PLTE') < types.indexOf('IDAT'));
  assert.deepEqual(unpackIndices(inflateSync(idat), image.width, image.height, depth), image.indices);
  return chunks;
}

void describe('bitDepthFor', () => {
  void test('the smallest PNG depth addressing the entries', () => {
    const depths = [1, 2, 3, 4, 5, 16, 17, 255, 256].map(bitDepthFor);
    assert.deepEqual(depths, [1, 1, 2, 2, 4, 4, 8, 8, 8]);
  });
});

void describe('encodeIndexedPng writes a valid indexed PNG', () => {
  for (const entries of [1, 2, 3, 4, 5, 16, 17, 256]) {
    for (const width of [1, 3, 7, 13]) {
      void test(`${entries} entries, width ${width}`, () => {
        checkPng(testImage(width, 5, entries, null, entries * 100 + width));
      });
    }
  }

  void test('a wide image at every depth', () => {
    for (const entries of [2, 4, 16, 256]) checkPng(testImage(301, 3, entries, null, entries));
  });

  void test('tRNS is trimmed to the last translucent entry', () => {
    const trns = (alpha: number[]): number[] | null => {
      const chunk = checkPng(testImage(7, 3, 5, alpha, 1)).find((c) => c.type === 'tRNS');
      return chunk ? Array.from(chunk.data) : null;
    };
    assert.deepEqual(trns([0, 128, 255, 255, 255]), [0, 128]);
    assert.deepEqual(trns([255, 0, 255, 255, 255]), [255, 0]);
    assert.deepEqual(trns([255, 255, 255, 255, 254]), [255, 255, 255, 255, 254]);
    assert.equal(trns([255, 255, 255, 255, 255]), null);
  });

  void test('the same input gives the same bytes; compressionLevel changes only IDAT', () => {
    const image = testImage(13, 13, 17, [0, 10, 20], 7);
    assert.deepEqual(encodeIndexedPng(image), encodeIndexedPng(image));
    const fast = parseChunks(encodeIndexedPng(image, { compressionLevel: 0 }));
    const idat = fast.find((c) => c.type === 'IDAT')!;
    assert.deepEqual(unpackIndices(inflateSync(idat.data), 13, 13, 8), image.indices);
  });

  void test('bad palettes and index counts are rejected', () => {
    const image = testImage(3, 3, 4, null, 1);
    assert.throws(() => encodeIndexedPng({ ...image, palette: new Uint8Array(0) }), {
      name: 'RangeError',
      message: 'palette must hold 1 to 256 RGB entries (3 bytes each), received 0 bytes',
    });
    assert.throws(() => encodeIndexedPng({ ...image, palette: new Uint8Array(257 * 3) }), {
      message: 'palette must hold 1 to 256 RGB entries (3 bytes each), received 771 bytes',
    });
    assert.throws(() => encodeIndexedPng({ ...image, palette: new Uint8Array(7) }), {
      message: 'palette must hold 1 to 256 RGB entries (3 bytes each), received 7 bytes',
    });
    assert.throws(() => encodeIndexedPng({ ...image, indices: new Uint8Array(8) }), {
      name: 'RangeError',
      message: 'indices must hold width × height = 9 entries, received 8',
    });
  });
});

void describe('sharp decodes encodeIndexedPng output to the palette expansion', () => {
  const cases: [string, IndexedImage][] = [
    ['2 entries, width 13', testImage(13, 4, 2, null, 3)],
    ['4 entries with alpha, width 7', testImage(7, 6, 4, [0, 77, 255, 255], 4)],
    ['16 entries, width 3', testImage(3, 9, 16, null, 5)],
    ['256 entries with alpha, width 33', testImage(33, 17, 256, [0, 1, 2, 128, 254], 6)],
  ];
  for (const [name, image] of cases) {
    void test(name, async () => {
      const channels = image.paletteAlpha ? 4 : 3;
      const { data, info } = await sharp(encodeIndexedPng(image))
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.equal(info.width, image.width);
      assert.equal(info.height, image.height);
      assert.equal(info.channels, channels);
      assert.deepEqual(data, expandPalette(image, channels));
    });
  }
});

void describe('encodeIndexedPngInParts', () => {
  void test('a 2.2-MB image in two deflate parts: libvips reads the same pixels; size within 0.1 % of one part', async () => {
    const image = testImage(1600, 1400, 200, null, 8);
    const inParts = await encodeIndexedPngInParts(image, 2);
    const whole = encodeIndexedPng(image);
    assert.notDeepEqual(inParts, whole, 'two parts make a different stream');
    assert.ok(Math.abs(inParts.length - whole.length) / whole.length < 0.001, `${inParts.length} vs ${whole.length} bytes`);
    assert.deepEqual(
      parseChunks(inParts).map((c) => c.type),
      ['IHDR', 'PLTE', 'IDAT', 'IEND'],
    );
    const { data } = await sharp(inParts).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(data, expandPalette(image, 3));
  });
});

void describe('scanline memory allocated ahead by the caller', () => {
  // Filled with 0xAB: every byte the encoder relies on (filter types, the padding bits of depths < 8) must be written.
  const dirty = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(0xab);

  for (const [entries, width] of [
    [200, 13],
    [16, 13],
    [4, 11],
    [2, 9],
  ] as const) {
    void test(`${entries} entries, width ${width}: the same bytes as fresh memory`, async () => {
      const image = testImage(width, 7, entries, null, entries);
      const expected = encodeIndexedPng(image);
      assert.deepEqual(encodeIndexedPng(image, { scanlines: dirty(scanlineBytes(width, 7)) }), expected);
      const inParts = await encodeIndexedPngInParts(image, 2);
      assert.deepEqual(await encodeIndexedPngInParts(image, 2, { scanlines: dirty(scanlineBytes(width, 7)) }), inParts);
    });
  }

  void test('memory sized for the rotated image (height × width) serves; memory too small is not used', () => {
    const image = testImage(5, 9, 256, null, 4);
    const expected = encodeIndexedPng(image);
    assert.deepEqual(encodeIndexedPng(image, { scanlines: dirty(scanlineBytes(9, 5)) }), expected);
    const small = dirty(10);
    assert.deepEqual(encodeIndexedPng(image, { scanlines: small }), expected);
    assert.ok(
      small.every((byte) => byte === 0xab),
      'too-small memory left untouched',
    );
  });
});
