import { adler32, adlerTrailer, deflatePiece, zlibHeader } from './deflate-in-parts.js';
import {
  assemble,
  bitDepthFor,
  checkIndexCount,
  headerChunks,
  packRows,
  scanlineMemory,
  scanlineStride,
  type IndexedImage,
} from './indexed-png.js';

export interface IndexedPngStreamOptions {
  /** zlib level 0–9. Default 6, as encodeIndexedPng. */
  readonly compressionLevel?: number;
  /** Memory for the filtered scanlines, allocated ahead by the caller (see scanlineBytes). */
  readonly scanlines?: Uint8Array | undefined;
  /** Uncompressed bytes per deflate piece. Default 1 MB. */
  readonly pieceBytes?: number;
}

/** Large enough that a seam (a few bytes) is noise, small enough that the last piece ends soon. */
const DEFAULT_PIECE_BYTES = 1 << 20;

/**
 * An indexed PNG written while its indices are still being computed, top row first: each time
 * rows are final, they are packed into scanlines, and every piece of about `pieceBytes` is
 * deflated at once on libuv's thread pool (deflatePiece, as deflateInParts does), so compression
 * overlaps the work that produces the next rows. A piece starts as soon as its rows are in: the
 * caller's thread is usually busy in synchronous work (the quantizer's mapping), so anything
 * that waited for its event loop (a queue of pieces, zlib's 16-KB output buffers) would wait
 * until the end. Rows come about as fast as one pool thread deflates them, so about one piece
 * runs at a time (measured on the 12-MP mosaic: the last piece done 10–20 ms after finish()).
 * Pieces end on row boundaries fixed by the image's width and `pieceBytes` alone: the same
 * indices give the same bytes, whatever the timing of the calls. The same pixels as encodeIndexedPng, within a few bytes per piece.
 */
export class IndexedPngStream {
  private readonly header: Buffer[];
  private readonly depth: 1 | 2 | 4 | 8;
  private readonly stride: number;
  private readonly scanlines: Uint8Array;
  private readonly level: number;
  private readonly rowsPerPiece: number;
  private readonly pieces: Promise<Buffer>[] = [];
  /** Rows packed into scanlines (and added to the checksum). */
  private packed = 0;
  /** Rows handed to a deflate piece. */
  private deflated = 0;
  private checksum = 1;

  constructor(
    private readonly image: Pick<IndexedImage, 'width' | 'height' | 'palette' | 'paletteAlpha'>,
    options: IndexedPngStreamOptions = {},
  ) {
    this.header = headerChunks(image);
    this.depth = bitDepthFor(image.palette.length / 3);
    this.stride = scanlineStride(image.width, this.depth);
    this.scanlines = scanlineMemory(image.width, image.height, this.depth, options.scanlines);
    this.level = options.compressionLevel ?? 6;
    this.rowsPerPiece = Math.max(1, Math.ceil((options.pieceBytes ?? DEFAULT_PIECE_BYTES) / this.stride));
  }

  /** Rows [0, rows) of `indices` (one entry per pixel, row-major) are final: packs the new ones and deflates every full piece. */
  addRows(indices: Uint8Array, rows: number): void {
    const to = Math.min(rows, this.image.height);
    if (to <= this.packed) return;
    packRows(indices, this.image.width, this.depth, this.scanlines, this.packed, to);
    this.checksum = adler32(this.scanlines.subarray(this.packed * this.stride, to * this.stride), this.checksum);
    this.packed = to;
    while (this.packed - this.deflated >= this.rowsPerPiece && this.deflated + this.rowsPerPiece < this.image.height) {
      this.startPiece(this.deflated + this.rowsPerPiece);
    }
  }

  /** Packs any rows left (all of `indices` is final now) and resolves to the whole PNG. */
  async finish(indices: Uint8Array): Promise<Buffer> {
    const { width, height } = this.image;
    checkIndexCount(indices, width, height);
    this.addRows(indices, height);
    while (this.deflated < height) this.startPiece(Math.min(height, this.deflated + this.rowsPerPiece));
    const compressed = Buffer.concat([zlibHeader(this.level), ...(await Promise.all(this.pieces)), adlerTrailer(this.checksum)]);
    return assemble(this.header, compressed);
  }

  /** Deflates rows [deflated, toRow) as the next piece, on the thread pool. */
  private startPiece(toRow: number): void {
    const last = toRow === this.image.height;
    this.pieces.push(deflatePiece(this.scanlines, this.deflated * this.stride, toRow * this.stride, last, this.level));
    this.deflated = toRow;
  }
}
