/** Mean squared error per RGB channel and the matching PSNR in dB (Infinity when exact). */
export interface Quality {
  readonly mse: number;
  readonly psnr: number;
}

export function psnrFromMse(mse: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/**
 * RGB error of an indexed image against its source pixels. Fully transparent source pixels are
 * invisible and count as exact.
 */
export function measureQuality(
  source: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  indices: Uint8Array,
  palette: Uint8Array,
): Quality {
  let sum = 0;
  const pixels = indices.length;
  for (let p = 0, o = 0; p < pixels; p++, o += channels) {
    if (channels === 4 && source[o + 3] === 0) continue;
    const e = indices[p]! * 3;
    const dr = source[o]! - palette[e]!;
    const dg = source[o + 1]! - palette[e + 1]!;
    const db = source[o + 2]! - palette[e + 2]!;
    sum += dr * dr + dg * dg + db * db;
  }
  const mse = sum / (3 * pixels);
  return { mse, psnr: psnrFromMse(mse) };
}
