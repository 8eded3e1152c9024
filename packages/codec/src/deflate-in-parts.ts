import { promisify } from 'node:util';
import { constants, deflateRaw, deflateSync } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);

/** Deflate's window: each part starts from this much of the data before it, as its dictionary. */
const WINDOW_BYTES = 32 * 1024;

/** Below this, one part: the split saves less time than it costs. */
const MIN_PART_BYTES = 1 << 20;

/**
 * A zlib stream (RFC 1950) of `data`, compressed as `parts` pieces at once on libuv's thread pool,
 * the way pigz does: each piece is raw deflate primed with the 32 KB before it as its dictionary
 * (so no match is lost at a seam), every piece but the last ends on a sync flush (byte-aligned, not
 * final), and the Adler-32 of the whole, computed here while the pool compresses, closes the stream.
 * Any inflater reads it as one stream; its size is within a few bytes per seam of deflateSync's.
 * Deterministic for a given `parts`.
 */
export async function deflateInParts(data: Uint8Array, level: number, parts: number): Promise<Buffer> {
  const count = Math.max(1, Math.min(parts, Math.floor(data.length / MIN_PART_BYTES)));
  if (count === 1) return deflateSync(data, { level });
  const size = Math.ceil(data.length / count);
  const pieces: Promise<Buffer>[] = [];
  for (let start = 0; start < data.length; start += size) {
    const end = Math.min(data.length, start + size);
    pieces.push(deflatePiece(data, start, end, end === data.length, level));
  }
  return Buffer.concat([zlibHeader(level), ...(await Promise.all(pieces)), adlerTrailer(adler32(data))]);
}

/**
 * Raw deflate of data[start, end) on libuv's thread pool, primed with the 32 KB before `start`
 * as its dictionary: a piece of one zlib stream, which ends on a sync flush (byte-aligned, not
 * final) unless it is the last. Concatenated in order after zlibHeader and before adlerTrailer,
 * the pieces are one stream any inflater reads.
 */
export function deflatePiece(data: Uint8Array, start: number, end: number, last: boolean, level: number): Promise<Buffer> {
  return deflateRawAsync(data.subarray(start, end), {
    level,
    chunkSize: outputChunkBytes(end - start),
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    ...(start > 0 ? { dictionary: data.subarray(Math.max(0, start - WINDOW_BYTES), start) } : {}),
  });
}

/** The stream's closing Adler-32 of all the uncompressed bytes, big-endian. */
export function adlerTrailer(checksum: number): Buffer {
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(checksum);
  return trailer;
}

/**
 * zlib's output buffer for a part: large enough for all of it. With the default 16 KB, the pool
 * thread stops at every full buffer until this thread's event loop hands it the next one, so
 * while this thread computes (SSIM, a mapping pass) the parts barely advance. Measured: 6 MB
 * deflated while the main thread was busy for 300 ms ended 40–50 ms after it with 16 KB buffers,
 * 1 ms after it with one buffer. Unwritten pages of the buffer are never touched.
 */
function outputChunkBytes(inputBytes: number): number {
  // deflate's worst case (stored blocks): 5 bytes per 16 KB block on top of the input, plus a margin.
  return inputBytes + 5 * Math.ceil(inputBytes / 16_384) + 1024;
}

/** CMF (deflate, 32 KB window) and FLG (the level's class, no preset dictionary, check bits). */
export function zlibHeader(level: number): Buffer {
  const cmf = 0x78;
  const levelClass = level <= 1 ? 0 : level <= 5 ? 1 : level === 6 ? 2 : 3;
  const flags = levelClass << 6;
  return Buffer.of(cmf, flags + (31 - ((cmf * 256 + flags) % 31)));
}

/**
 * Adler-32 (RFC 1950): sums taken modulo 65521 every 5552 bytes, before they can overflow.
 * `previous`: the checksum of the bytes before `data`, to go on from (1 for none).
 */
export function adler32(data: Uint8Array, previous = 1): number {
  let a = previous & 0xffff;
  let b = previous >>> 16;
  for (let i = 0; i < data.length;) {
    for (const end = Math.min(data.length, i + 5552); i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
