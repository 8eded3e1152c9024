import { inflateSync } from 'node:zlib';

export interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
}

/** Splits a PNG into its chunks (no CRC check: tests that need it check it themselves). */
export function readPngChunks(png: Buffer): PngChunk[] {
  const signature = '89504e470d0a1a0a';
  if (png.subarray(0, 8).toString('hex') !== signature) throw new Error('not a PNG signature');
  const chunks: PngChunk[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    chunks.push({ type, data: png.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
  }
  return chunks;
}

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colourType: number;
}

export function readPngHeader(png: Buffer): PngHeader {
  const ihdr = readPngChunks(png).find((c) => c.type === 'IHDR');
  if (!ihdr) throw new Error('PNG has no IHDR');
  return {
    width: ihdr.data.readUInt32BE(0),
    height: ihdr.data.readUInt32BE(4),
    bitDepth: ihdr.data[8]!,
    colourType: ihdr.data[9]!,
  };
}

/** The palette indices of an unfiltered (filter 0) indexed PNG, as kpress writes them. */
export function readIndices(png: Buffer): Uint8Array {
  const { width, height, bitDepth } = readPngHeader(png);
  const idat = Buffer.concat(
    readPngChunks(png)
      .filter((c) => c.type === 'IDAT')
      .map((c) => c.data),
  );
  const raw = inflateSync(idat);
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1);
    if (raw[row] !== 0) throw new Error(`row ${y} uses filter ${raw[row]}, expected 0`);
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      const byte = raw[row + 1 + (bit >> 3)]!;
      out[y * width + x] = (byte >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
    }
  }
  return out;
}
