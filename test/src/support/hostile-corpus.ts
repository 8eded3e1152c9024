import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { join } from 'node:path';
import sharp from 'sharp';
import { SAMPLES } from './repo.js';

/** How one corpus item must end: a correct output, or a failure with a specific code. */
export type HostileExpectation =
  | {
      readonly outcome: 'output';
      /** Dimensions of the output (after EXIF rotation; first frame of an animation). */
      readonly width: number;
      readonly height: number;
      /** The output keeps transparency (a tRNS chunk). */
      readonly alpha: boolean;
      /** At most this many palette entries (the unique colours when fewer than k). */
      readonly maxColours: number;
    }
  | {
      readonly outcome: 'failure';
      readonly code: string;
      /** Refused while listing (never queued) or by the worker. */
      readonly stage: 'enqueue' | 'worker';
    };

export interface HostileInput {
  /** Short label for tables and test names. */
  readonly name: string;
  /** Source key relative to the source prefix. */
  readonly key: string;
  readonly body: Buffer;
  readonly expect: HostileExpectation;
}

/** Palette size the corpus is meant to be run with. */
export const CORPUS_K = 16;

/**
 * Hostile and odd inputs, generated (nothing downloaded): empty, random and truncated bytes, a
 * decompression bomb header, unusual colour models and bit depths, transparency, EXIF rotation,
 * ICC profiles, animations, tiny and large images, and awkward keys. Deterministic.
 * `options.large` adds the 6000×4000 (24 MP) image, slow to make and to compress.
 */
export async function makeHostileCorpus(options: { large: boolean }): Promise<HostileInput[]> {
  const photoRaw = await sharp(join(SAMPLES, 'flower.jpg')).resize(96, 64, { fit: 'fill' }).raw().toBuffer();
  const fromRaw = (): sharp.Sharp => sharp(photoRaw, { raw: { width: 96, height: 64, channels: 3 } });
  const jpeg = await fromRaw().jpeg({ quality: 90 }).toBuffer();
  const png = await fromRaw().png().toBuffer();
  const out = (width: number, height: number, alpha = false, maxColours = CORPUS_K): HostileExpectation => ({
    outcome: 'output',
    width,
    height,
    alpha,
    maxColours,
  });
  const fail = (code: string, stage: 'enqueue' | 'worker' = 'worker'): HostileExpectation => ({
    outcome: 'failure',
    code,
    stage,
  });

  const items: HostileInput[] = [
    { name: 'zero bytes', key: 'bytes/empty.png', body: Buffer.alloc(0), expect: fail('not-an-image') },
    { name: 'random bytes named .png', key: 'bytes/random.png', body: pseudoRandomBytes(4096), expect: fail('not-an-image') },
    {
      name: 'truncated JPEG',
      key: 'bytes/truncated-jpeg.jpg',
      body: jpeg.subarray(0, Math.floor(jpeg.length / 2)),
      expect: fail('corrupt-image'),
    },
    {
      name: 'truncated PNG',
      key: 'bytes/truncated-png.png',
      body: png.subarray(0, Math.floor(png.length / 2)),
      expect: fail('corrupt-image'),
    },
    {
      name: 'PNG bomb header 100000×100000',
      key: 'bytes/bomb-png.png',
      body: pngBomb(100_000, 100_000),
      expect: fail('too-many-pixels'),
    },
    {
      name: 'SVG declaring 100000×100000',
      key: 'bytes/bomb-svg.svg',
      body: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10" fill="red"/></svg>',
      ),
      expect: fail('too-many-pixels'),
    },
    {
      name: 'CMYK JPEG',
      key: 'colour/cmyk.jpg',
      body: await fromRaw().toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer(),
      expect: out(96, 64),
    },
    {
      name: '16-bit PNG',
      key: 'colour/rgb16.png',
      body: await fromRaw().toColourspace('rgb16').png({ compressionLevel: 1 }).toBuffer(),
      expect: out(96, 64),
    },
    { name: 'greyscale JPEG', key: 'colour/grey.jpg', body: await fromRaw().greyscale().jpeg().toBuffer(), expect: out(96, 64) },
    {
      name: '16-bit greyscale PNG',
      key: 'colour/grey16.png',
      body: await fromRaw().toColourspace('grey16').png().toBuffer(),
      expect: out(96, 64),
    },
    {
      name: 'palette PNG (8 colours)',
      key: 'colour/palette.png',
      body: await fromRaw().png({ palette: true, colours: 8, dither: 0 }).toBuffer(),
      expect: out(96, 64, false, 8),
    },
    {
      name: 'RGBA fully transparent',
      key: 'alpha/transparent.png',
      body: await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0 } } })
        .png()
        .toBuffer(),
      expect: out(40, 30, true, 1),
    },
    {
      name: 'RGBA partly transparent',
      key: 'alpha/partial.png',
      body: await fromRaw()
        .ensureAlpha()
        .composite([{ input: alphaHole(96, 64), raw: { width: 96, height: 64, channels: 4 }, blend: 'dest-in' }])
        .png()
        .toBuffer(),
      expect: out(96, 64, true),
    },
    {
      name: 'EXIF orientation 6 JPEG',
      key: 'exif/rotated.jpg',
      body: await fromRaw().jpeg().withMetadata({ orientation: 6 }).toBuffer(),
      expect: out(64, 96),
    },
    {
      name: 'Display P3 ICC profile',
      key: 'colour/p3.jpg',
      body: await fromRaw().withIccProfile('p3').jpeg().toBuffer(),
      expect: out(96, 64),
    },
    { name: 'animated GIF (3 frames)', key: 'anim/gif-frames.gif', body: await animation('gif'), expect: out(48, 32) },
    { name: 'animated WebP (3 frames)', key: 'anim/webp-frames.webp', body: await animation('webp'), expect: out(48, 32) },
    {
      name: '1×1 image',
      key: 'size/one-pixel.png',
      body: await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c03070' } })
        .png()
        .toBuffer(),
      expect: out(1, 1, false, 1),
    },
    {
      name: '4 colours, k = 16',
      key: 'size/four-colours.png',
      body: await fourColours(),
      expect: out(64, 64, false, 4),
    },
    { name: 'non-ASCII key', key: 'фото/日本語 café.jpg', body: jpeg, expect: out(96, 64) },
    { name: 'key with spaces', key: 'with spaces/my photo 1.jpg', body: jpeg, expect: out(96, 64) },
    // S3 servers and SDKs may resolve ".." before storing: this one only arrives by manifest.
    { name: 'key with ".." segment', key: 'a/../b.jpg', body: jpeg, expect: fail('unsafe-key', 'enqueue') },
    { name: 'key with %2e%2e segment', key: 'c/%2e%2e/d.jpg', body: jpeg, expect: fail('unsafe-key', 'enqueue') },
    { name: 'key with backslash ..', key: 'e\\..\\f.jpg', body: jpeg, expect: fail('unsafe-key', 'enqueue') },
  ];
  if (options.large) {
    items.push({
      name: '6000×4000 JPEG (24 MP)',
      key: 'size/large-24mp.jpg',
      body: await sharp(join(SAMPLES, 'flower.jpg')).resize(6000, 4000, { fit: 'fill' }).jpeg({ quality: 80 }).toBuffer(),
      expect: out(6000, 4000),
    });
  }
  return items;
}

/** A PNG whose header claims width×height pixels: signature, IHDR, a tiny IDAT, IEND, valid CRCs. */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Deterministic bytes that are no image format (a SHA-256 chain). */
function pseudoRandomBytes(length: number): Buffer {
  const blocks: Buffer[] = [];
  let block = createHash('sha256').update('kpress hostile corpus').digest();
  for (let size = 0; size < length; size += block.length) {
    blocks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** Raw RGBA mask whose alpha is 0 in a centred hole, 128 in a ring and 255 elsewhere. */
function alphaHole(width: number, height: number): Buffer {
  const alpha = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x - width / 2, y - height / 2);
      alpha[(y * width + x) * 4 + 3] = d < 12 ? 0 : d < 20 ? 128 : 255;
    }
  return alpha;
}

/** Three 48×32 frames of different colours, as an animated GIF or WebP. */
async function animation(format: 'gif' | 'webp'): Promise<Buffer> {
  const width = 48;
  const frameHeight = 32;
  const colours = [
    [220, 40, 40],
    [40, 220, 40],
    [40, 40, 220],
  ];
  const raw = Buffer.alloc(width * frameHeight * colours.length * 3);
  colours.forEach(([r, g, b], frame) => {
    for (let p = 0; p < width * frameHeight; p++) {
      const o = (frame * width * frameHeight + p) * 3;
      const shade = (p % width) * 2;
      raw[o] = Math.min(255, r! + shade);
      raw[o + 1] = g!;
      raw[o + 2] = b!;
    }
  });
  const image = sharp(raw, { raw: { width, height: frameHeight * colours.length, channels: 3, pageHeight: frameHeight } });
  return format === 'gif'
    ? image.gif({ loop: 0, delay: [100, 100, 100] }).toBuffer()
    : image.webp({ loop: 0, delay: [100, 100, 100], lossless: true }).toBuffer();
}

/** 64×64, four flat quadrants. */
async function fourColours(): Promise<Buffer> {
  const raw = Buffer.alloc(64 * 64 * 3);
  const colours = [
    [255, 0, 0],
    [0, 128, 255],
    [250, 250, 250],
    [20, 20, 20],
  ];
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++) raw.set(colours[(y < 32 ? 0 : 2) + (x < 32 ? 0 : 1)]!, (y * 64 + x) * 3);
  return sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
    .png()
    .toBuffer();
}
