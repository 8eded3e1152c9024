import { SSIM_BAND_WASM } from './wasm/ssim-band-binary.js';
import { type KernelExports, lazyKernel } from './wasm-kernel.js';

/**
 * Structural similarity (SSIM, Wang et al. 2004) of an indexed image against its source, on luma
 * (BT.601: 0.299 R + 0.587 G + 0.114 B), over non-overlapping 8×8 blocks (edge blocks are
 * smaller), averaged over blocks weighted by their pixel count. One pass, no allocation per
 * pixel: cheap next to quantization (a few per cent of it), which lets every output carry a
 * perceptual figure beside PSNR. 1 means identical; fully transparent source pixels count as exact.
 */
const BLOCK = 8;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

export function measureSsim(
  source: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  width: number,
  height: number,
  indices: Uint8Array,
  palette: Uint8Array,
): number {
  const meter = new SsimMeter(source, channels, width, height, palette);
  meter.addRows(indices, height);
  return meter.result();
}

/**
 * measureSsim taken a band of rows at a time, while the indices are still being computed (top
 * row first): addRows measures every 8-row band whose rows are all final. The same additions in
 * the same order as measureSsim, so the same result.
 */
export class SsimMeter {
  private readonly paletteLuma: Float64Array;
  /** Per block column of the current band of rows: Σx, Σy, Σx², Σy², Σxy and the pixel count. */
  private readonly sums: Float64Array;
  private readonly columns: number;
  /** First row of the next band to measure. */
  private top = 0;
  private total = 0;

  constructor(
    private readonly source: Uint8Array | Uint8ClampedArray,
    private readonly channels: 3 | 4,
    private readonly width: number,
    private readonly height: number,
    palette: Uint8Array,
  ) {
    const entries = palette.length / 3;
    this.paletteLuma = new Float64Array(entries);
    for (let e = 0; e < entries; e++) this.paletteLuma[e] = luma(palette[e * 3]!, palette[e * 3 + 1]!, palette[e * 3 + 2]!);
    this.columns = Math.ceil(width / BLOCK);
    this.sums = new Float64Array(this.columns * 6);
  }

  /** Rows [0, rows) of `indices` are final: measures the bands they complete. */
  addRows(indices: Uint8Array, rows: number): void {
    const { source, channels, width, height, paletteLuma, sums } = this;
    const ready = Math.min(rows, height);
    // RGB rows that fit its memory are measured by the WebAssembly kernel, the same sums in the same order.
    const kernel = channels === 3 && width <= KERNEL_MAX_WIDTH ? ssimKernel() : null;
    if (kernel) new Float64Array(kernel.memory.buffer, KERNEL_LUMA_AT, paletteLuma.length).set(paletteLuma);
    while (this.top < height && (this.top + BLOCK <= ready || ready === height)) {
      const bottom = Math.min(height, this.top + BLOCK);
      if (kernel) {
        const bytes = new Uint8Array(kernel.memory.buffer);
        bytes.set(source.subarray(this.top * width * 3, bottom * width * 3), KERNEL_SOURCE_AT);
        bytes.set(indices.subarray(this.top * width, bottom * width), KERNEL_INDICES_AT);
        this.total = kernel.addBand(width, bottom - this.top, this.total);
      } else {
        sums.fill(0);
        for (let y = this.top; y < bottom; y++) addRow(source, channels, width, y, indices, paletteLuma, sums);
        this.total = addBandSsim(sums, this.columns, this.total);
      }
      this.top = bottom;
    }
  }

  /** Mean SSIM over the image; every row must have been added. */
  result(): number {
    if (this.top < this.height) throw new RangeError(`SSIM measured ${this.top} of ${this.height} rows`);
    return this.total / (this.width * this.height);
  }
}

interface SsimKernel extends KernelExports {
  addBand(width: number, rows: number, total: number): number;
}

/**
 * wasm/ssim-band.wat: one band of addRow and addBandSsim for RGB rows, about three times as fast
 * (SSIM of a 12-MP photo: see docs/quantizer.md, round nine). One instance, shared: a meter hands
 * it its palette's luma before its bands, and JavaScript runs one band at a time.
 */
let sharedKernel: SsimKernel | null | undefined;
const instantiateSsimKernel = lazyKernel<SsimKernel>(SSIM_BAND_WASM);
function ssimKernel(): SsimKernel | null {
  if (sharedKernel === undefined) sharedKernel = instantiateSsimKernel();
  return sharedKernel;
}
/** The kernel's memory layout (ssim-band.wat): palette luma, a band's indices, its RGB pixels. */
const KERNEL_LUMA_AT = 0;
const KERNEL_INDICES_AT = 100352;
const KERNEL_SOURCE_AT = 231424;
/** The widest rows its memory holds (2,048 block columns). */
const KERNEL_MAX_WIDTH = 16384;

/*
 * The row and the band are functions of their own, not loops inlined in measureSsim: a one-shot
 * command measures SSIM once, with a cold JIT, and a long loop compiled on the fly (OSR) before
 * the band's end had run was thrown away at its first band ("insufficient type feedback"),
 * boxing every double meanwhile (75 ms instead of 43 on 12 MP).
 */

/** Adds one row's luma sums into its band's per-block-column sums. */
function addRow(
  source: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  width: number,
  y: number,
  indices: Uint8Array,
  paletteLuma: Float64Array,
  sums: Float64Array,
): void {
  const columns = sums.length / 6;
  for (let c = 0, p = y * width; c < columns; c++) {
    const end = Math.min(width, (c + 1) * BLOCK) + y * width;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    const count = end - p;
    for (let o = p * channels; p < end; p++, o += channels) {
      const sourceLuma = 0.299 * source[o]! + 0.587 * source[o + 1]! + 0.114 * source[o + 2]!;
      const outputLuma = channels === 4 && source[o + 3] === 0 ? sourceLuma : paletteLuma[indices[p]!]!;
      sx += sourceLuma;
      sy += outputLuma;
      sxx += sourceLuma * sourceLuma;
      syy += outputLuma * outputLuma;
      sxy += sourceLuma * outputLuma;
    }
    const s = c * 6;
    sums[s]! += sx;
    sums[s + 1]! += sy;
    sums[s + 2]! += sxx;
    sums[s + 3]! += syy;
    sums[s + 4]! += sxy;
    sums[s + 5]! += count;
  }
}

/** `total` plus, block by block, each of a band's blocks' pixel count × SSIM (the same additions, in order, as one running sum). */
function addBandSsim(sums: Float64Array, columns: number, total: number): number {
  for (let c = 0; c < columns; c++) {
    const s = c * 6;
    const n = sums[s + 5]!;
    const mx = sums[s]! / n;
    const my = sums[s + 1]! / n;
    const vx = Math.max(0, sums[s + 2]! / n - mx * mx);
    const vy = Math.max(0, sums[s + 3]! / n - my * my);
    const cxy = sums[s + 4]! / n - mx * my;
    total += (n * ((2 * mx * my + C1) * (2 * cxy + C2))) / ((mx * mx + my * my + C1) * (vx + vy + C2));
  }
  return total;
}

/** BT.601 luma; the pixel loop inlines the same weights. */
function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
