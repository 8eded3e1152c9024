import { crc32, deflateSync } from 'node:zlib';
import { deflateInParts } from './deflate-in-parts.js';

export interface IndexedImage {
  readonly width: number;
  readonly height: number;
  /** sRGB entries, 3 bytes each, at most 256. */
  readonly palette: Uint8Array;
  /** Alpha per entry, or null when all are opaque. Translucent entries should come first. */
  readonly paletteAlpha: Uint8Array | null;
  /** One palette index per pixel, row-major. */
  readonly indices: Uint8Array;
}

export interface IndexedPngOptions {
  /** zlib level 0–9. Default 6: on a 12-megapixel image level 9 takes 4× the time for 1% fewer bytes. */
  readonly compressionLevel?: number;
  /**
   * Memory for the filtered scanlines, allocated ahead by the caller (any content; see
   * scanlineBytes for the size): used when large enough, else a fresh buffer is.
   */
  readonly scanlines?: Uint8Array | undefined;
}

/** Bytes of an image's filtered scanlines at 8 bits per index, in either orientation (EXIF rotation swaps width and height). */
export function scanlineBytes(width: number, height: number): number {
  return width * height + Math.max(width, height);
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Smallest PNG bit depth (1, 2, 4 or 8) whose indices can address `entries` colours. */
export function bitDepthFor(entries: number): 1 | 2 | 4 | 8 {
  return entries <= 2 ? 1 : entries <= 4 ? 2 : entries <= 16 ? 4 : 8;
}

/**
 * Writes an indexed-colour PNG (colour type 3) with the given palette, at the smallest bit depth
 * that holds it, a tRNS chunk only when some entry is translucent, and unfiltered scanlines
 * (filter type 0, what libpng and pngquant use for palette images). Deterministic: the same
 * input gives the same bytes.
 */
export function encodeIndexedPng(image: IndexedImage, options: IndexedPngOptions = {}): Buffer {
  const { header, scanlines } = prepare(image, options.scanlines);
  return assemble(header, deflateSync(scanlines, { level: options.compressionLevel ?? 6 }));
}

/**
 * encodeIndexedPng's image, compressed in `parts` pieces at once on libuv's thread pool
 * (deflateInParts): the same pixels, within a few bytes of its size, in about 1/parts of its
 * deflate time, and this thread free meanwhile.
 */
export async function encodeIndexedPngInParts(
  image: IndexedImage,
  parts: number,
  options: IndexedPngOptions = {},
): Promise<Buffer> {
  const { header, scanlines } = prepare(image, options.scanlines);
  return assemble(header, await deflateInParts(scanlines, options.compressionLevel ?? 6, parts));
}

interface Prepared {
  readonly header: Buffer[];
  readonly scanlines: Uint8Array;
}

/** Checks the image, and builds the chunks before IDAT and the filtered scanlines. */
function prepare(image: IndexedImage, memory: Uint8Array | undefined): Prepared {
  const { width, height, indices } = image;
  const header = headerChunks(image);
  checkIndexCount(indices, width, height);
  const depth = bitDepthFor(image.palette.length / 3);
  const scanlines = scanlineMemory(width, height, depth, memory);
  packRows(indices, width, depth, scanlines, 0, height);
  return { header, scanlines };
}

/** One palette index per pixel, or a RangeError saying how many there should be. */
export function checkIndexCount(indices: Uint8Array, width: number, height: number): void {
  if (indices.length !== width * height) {
    throw new RangeError(`indices must hold width × height = ${width * height} entries, received ${indices.length}`);
  }
}

/** IHDR, PLTE and (when some entry is translucent) tRNS, after checking the palette. */
export function headerChunks(image: Pick<IndexedImage, 'width' | 'height' | 'palette' | 'paletteAlpha'>): Buffer[] {
  const { width, height, palette, paletteAlpha } = image;
  const entries = palette.length / 3;
  if (!Number.isInteger(entries) || entries < 1 || entries > 256) {
    throw new RangeError(`palette must hold 1 to 256 RGB entries (3 bytes each), received ${palette.length} bytes`);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = bitDepthFor(entries);
  header[9] = 3; // indexed colour
  const chunks = [chunk('IHDR', header), chunk('PLTE', palette)];
  const transparency = trimmedAlpha(paletteAlpha, entries);
  if (transparency) chunks.push(chunk('tRNS', transparency));
  return chunks;
}

/** Bytes of one filtered scanline: the filter-type byte and the packed indices. */
export function scanlineStride(width: number, depth: 1 | 2 | 4 | 8): number {
  return Math.ceil((width * depth) / 8) + 1;
}

/** The scanlines' memory: `memory` when it is large enough (its content does not matter), else a fresh buffer. */
export function scanlineMemory(width: number, height: number, depth: 1 | 2 | 4 | 8, memory: Uint8Array | undefined): Uint8Array {
  const size = scanlineStride(width, depth) * height;
  return memory !== undefined && memory.length >= size ? memory.subarray(0, size) : new Uint8Array(size);
}

/** The PNG around its compressed scanlines, which are copied once (into the result), not twice. */
export function assemble(header: readonly Buffer[], compressed: Uint8Array): Buffer {
  const idatStart = Buffer.alloc(8);
  idatStart.writeUInt32BE(compressed.length, 0);
  idatStart.write('IDAT', 4, 'latin1');
  const idatEnd = Buffer.alloc(4);
  idatEnd.writeUInt32BE(crc32(compressed, crc32(idatStart.subarray(4))), 0);
  return Buffer.concat([SIGNATURE, ...header, idatStart, compressed, idatEnd, chunk('IEND', new Uint8Array(0))]);
}

/**
 * Rows [from, to) of packed indices into `out`, each preceded by its filter-type byte (0 = none).
 * Every byte of those rows is written.
 */
export function packRows(
  indices: Uint8Array,
  width: number,
  depth: 1 | 2 | 4 | 8,
  out: Uint8Array,
  from: number,
  to: number,
): void {
  const stride = scanlineStride(width, depth);
  // One call per row: a band's rows are then packed by code compiled for the whole function.
  for (let y = from; y < to; y++) {
    out[y * stride] = 0;
    if (depth === 8) out.set(indices.subarray(y * width, (y + 1) * width), y * stride + 1);
    else packRow(indices, y * width, width, depth, out, y * stride + 1);
  }
}

/**
 * Packs `width` indices of 1, 2 or 4 bits, MSB first, into the bytes from `at`: each byte is
 * built from its pixels and written once (or-ing each pixel into a zero-filled row took 37 ms of
 * a 12-MP one-shot's profile at K = 16; this, 14–17 ms); the last byte's unused low bits are zero.
 */
function packRow(indices: Uint8Array, source: number, width: number, depth: 1 | 2 | 4, out: Uint8Array, at: number): void {
  const perByte = 8 / depth;
  const whole = Math.floor(width / perByte);
  if (depth === 4) {
    for (let i = 0, s = source; i < whole; i++, s += 2) out[at + i] = (indices[s]! << 4) | indices[s + 1]!;
  } else {
    for (let i = 0, s = source; i < whole; i++) {
      let byte = 0;
      for (let j = 0; j < perByte; j++, s++) byte = (byte << depth) | indices[s]!;
      out[at + i] = byte;
    }
  }
  const left = width - whole * perByte;
  if (left === 0) return;
  let byte = 0;
  for (let j = 0, s = source + whole * perByte; j < left; j++, s++) byte = (byte << depth) | indices[s]!;
  out[at + whole] = byte << ((perByte - left) * depth);
}

/** tRNS holds alpha up to the last translucent entry; null when every entry is opaque. */
function trimmedAlpha(alpha: Uint8Array | null, entries: number): Uint8Array | null {
  if (!alpha) return null;
  let last = -1;
  for (let i = 0; i < entries; i++) if (alpha[i] !== 255) last = i;
  return last < 0 ? null : alpha.subarray(0, last + 1);
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
