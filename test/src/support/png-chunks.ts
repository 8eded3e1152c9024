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
