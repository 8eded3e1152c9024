/**
 * Perceptual importance of each pixel for palette choice, after libimagequant's contrast maps:
 * errors show most in flat areas and least in busy texture, so a pixel's weight falls with the
 * local contrast around it. The weight of a unique colour is the sum of its pixels' weights.
 *
 * Contrast is the largest, over R, G and B, of |2c − left − right| + |2c − up − down| (a
 * discrete Laplacian, edges clamped). A pixel weighs floor + (1 − floor) · scale / (scale +
 * contrast): 1 where the image is flat, falling towards `floor` in texture. With `rowStep` > 1
 * only rows 0, rowStep, 2·rowStep … are weighed (their neighbours still come from the full image)
 * and `pixelToUnique` holds those rows only, one after another.
 */
interface Importance {
  readonly floor: number;
  readonly scale: number;
}

/**
 * Measured on bench:core (RGB PSNR, blurred PSNR and butteraugli against libimagequant): small
 * palettes must still spend entries on texture to keep RGB PSNR ahead, so they are weighted
 * gently; large palettes gain most in butteraugli from a strong preference for flat areas.
 */
function importanceFor(k: number): Importance {
  return k <= 64 ? { floor: 0.6, scale: 3 } : { floor: 0.2, scale: 12 };
}

export function importanceWeights(
  data: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  width: number,
  height: number,
  pixelToUnique: Uint32Array,
  uniqueColours: number,
  k: number,
  rowStep = 1,
): Float64Array {
  const weights = new Float64Array(uniqueColours);
  const weightOf = weightTable(importanceFor(k));
  const image = { data, channels, width, height, pixelToUnique, weightOf, weights };
  // One call per row: a cold one-shot optimizes a function called many times as a whole, where
  // one loop over the image was compiled mid-run and thrown away at its first rare branch.
  for (let y = 0, sampled = 0; y < height; y += rowStep, sampled += width) weighRow(image, y, sampled);
  return weights;
}

interface WeighedImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly channels: 3 | 4;
  readonly width: number;
  readonly height: number;
  readonly pixelToUnique: Uint32Array;
  readonly weightOf: Float64Array;
  readonly weights: Float64Array;
}

/** Adds the weights of row `y`'s pixels, whose unique colours start at entry `sampled` of pixelToUnique. */
function weighRow(image: WeighedImage, y: number, sampled: number): void {
  const { data, channels, width, height, pixelToUnique, weightOf, weights } = image;
  const stride = width * channels;
  const up = y > 0 ? -stride : 0;
  const down = y < height - 1 ? stride : 0;
  const row = y * width;
  // pixelToUnique holds the sampled rows only: pixel p of the image is entry p - shift.
  const shift = row - sampled;
  // Edge columns repeat their own value as the missing neighbour; the rest need no checks.
  weights[pixelToUnique[sampled]!]! += weightOf[contrastAt(data, row * channels, up, down, 0, width > 1 ? channels : 0)]!;
  if (width === 1) return;
  const last = row + width - 1;
  weighInterior(image, row + 1, last, shift, up, down);
  weights[pixelToUnique[last - shift]!]! += weightOf[contrastAt(data, last * channels, up, down, -channels, 0)]!;
}

/**
 * Adds the weights of pixels [from, to) of one row, none on an edge column. Nothing follows the
 * loop: code after it would have no type feedback when the loop is first compiled mid-run, and
 * was thrown away at the end of every row (375 times in a one-shot).
 */
function weighInterior(image: WeighedImage, from: number, to: number, shift: number, up: number, down: number): void {
  const { data, channels, pixelToUnique, weightOf, weights } = image;
  for (let p = from, o = p * channels; p < to; p++, o += channels) {
    // Unrolled over R, G, B: this loop runs once per pixel of a 12-MP photo.
    const r = 2 * data[o]!;
    const g = 2 * data[o + 1]!;
    const b = 2 * data[o + 2]!;
    const l = o - channels;
    const h = o + channels;
    const u = o + up;
    const d = o + down;
    const er = Math.abs(r - data[l]! - data[h]!) + Math.abs(r - data[u]! - data[d]!);
    const eg = Math.abs(g - data[l + 1]! - data[h + 1]!) + Math.abs(g - data[u + 1]! - data[d + 1]!);
    const eb = Math.abs(b - data[l + 2]! - data[h + 2]!) + Math.abs(b - data[u + 2]! - data[d + 2]!);
    const contrast = er > eg ? (er > eb ? er : eb) : eg > eb ? eg : eb;
    weights[pixelToUnique[p - shift]!]! += weightOf[contrast]!;
  }
}

/** Largest contrast over R, G and B at byte offset `o`; neighbours at the given offsets. */
function contrastAt(
  data: Uint8Array | Uint8ClampedArray,
  o: number,
  up: number,
  down: number,
  left: number,
  right: number,
): number {
  let contrast = 0;
  for (let c = o; c < o + 3; c++) {
    const v = 2 * data[c]!;
    const edge = Math.abs(v - data[c + left]! - data[c + right]!) + Math.abs(v - data[c + up]! - data[c + down]!);
    if (edge > contrast) contrast = edge;
  }
  return contrast;
}

/** Contrast is an integer of 0 to 4 · 255 (two second differences): one weight per value. */
function weightTable({ floor, scale }: Importance): Float64Array {
  const table = new Float64Array(4 * 255 + 1);
  for (let contrast = 0; contrast < table.length; contrast++)
    table[contrast] = floor + ((1 - floor) * scale) / (scale + contrast);
  return table;
}
