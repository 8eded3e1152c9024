import { bitDepthFor, IndexedPngStream, type EncodedImage } from '@kpress/codec';
import { SsimMeter, type MappingListener, type QuantizeImage, type QuantizeResult } from '@kpress/kmeans-core';

/** What a streamed output gives once the quantizer has returned. */
export interface StreamedResult {
  readonly encoding: Promise<EncodedImage>;
  readonly ssim: number;
  /** Milliseconds this thread spent packing rows for the PNG (deflate runs on the thread pool). */
  readonly encodeMs: number;
  /** Milliseconds this thread spent measuring SSIM. */
  readonly ssimMs: number;
}

/**
 * The PNG and the SSIM of a large photo, made a band of rows at a time while the quantizer maps
 * the rows below (kmeans-core's MappingListener): each band's deflate runs on libuv's thread pool
 * as soon as its rows are final, and the source rows just mapped are measured while still in the
 * processor's cache. Without it the whole deflate and SSIM pass waited for the last pixel.
 */
export class StreamedOutput implements MappingListener {
  private png: IndexedPngStream | null = null;
  private ssim: SsimMeter | null = null;
  private palette: Uint8Array | null = null;
  private encodeMs = 0;
  private ssimMs = 0;

  constructor(
    private readonly image: QuantizeImage,
    private readonly scanlines: Uint8Array | undefined,
  ) {}

  /** Rows were handed to the encoder: its deflate may still be reading the scanline memory. */
  get started(): boolean {
    return this.png !== null;
  }

  readonly start = (palette: Uint8Array): void => {
    const { data, channels, width, height } = this.image;
    this.palette = palette;
    this.png = new IndexedPngStream({ width, height, palette, paletteAlpha: null }, { scanlines: this.scanlines });
    this.ssim = new SsimMeter(data, channels, width, height, palette);
  };

  readonly mapped = (indices: Uint8Array, pixelsDone: number): void => {
    const rows = Math.floor(pixelsDone / this.image.width);
    const started = performance.now();
    this.png!.addRows(indices, rows);
    const packed = performance.now();
    this.ssim!.addRows(indices, rows);
    this.encodeMs += packed - started;
    this.ssimMs += performance.now() - packed;
  };

  /** The output of `result` if it is what was streamed (the quantizer kept the palette it announced), else null. */
  finish(result: QuantizeResult): StreamedResult | null {
    if (this.png === null || this.ssim === null || result.palette !== this.palette) return null;
    const started = performance.now();
    const bytes = this.png.finish(result.indices);
    const packed = performance.now();
    this.ssim.addRows(result.indices, this.image.height);
    const ssim = this.ssim.result();
    this.encodeMs += packed - started;
    this.ssimMs += performance.now() - packed;
    const bitDepth = bitDepthFor(result.palette.length / 3);
    return {
      encoding: bytes.then((png) => ({ bytes: png, format: 'png', bitDepth, extension: '.png' })),
      ssim,
      encodeMs: this.encodeMs,
      ssimMs: this.ssimMs,
    };
  }
}
