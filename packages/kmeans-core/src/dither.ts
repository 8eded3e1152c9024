import { type ColorSpace, srgbToOklab } from './colour-space.js';
import { findNearest, Nearest } from './nearest.js';

/**
 * Floyd–Steinberg error diffusion in RGB, serpentine scan. Each pixel takes the entry nearest
 * (in the clustering space) to its colour plus the diffused error; nearest entries are cached
 * per 24-bit colour. Only opaque pixels are dithered: translucent and transparent ones keep
 * their undithered index (`baseIndices`), and only opaque entries are candidates.
 */
export function floydSteinberg(
  data: Uint8Array | Uint8ClampedArray,
  channels: 3 | 4,
  width: number,
  height: number,
  palette: Uint8Array,
  paletteAlpha: Uint8Array | null,
  space: ColorSpace,
  baseIndices: Uint8Array,
): Uint8Array {
  const opaqueEntries: number[] = [];
  for (let e = 0; e < palette.length / 3; e++) if (!paletteAlpha || paletteAlpha[e] === 255) opaqueEntries.push(e);
  if (opaqueEntries.length === 0) return baseIndices;
  const k = opaqueEntries.length;
  const centres = new Float64Array(k * 3);
  opaqueEntries.forEach((entry, i) =>
    writePoint(space, palette[entry * 3]!, palette[entry * 3 + 1]!, palette[entry * 3 + 2]!, centres, i * 3),
  );

  const cache = new Int16Array(1 << 24).fill(-1);
  const point = new Float64Array(3);
  const nearest = new Nearest();
  const out = baseIndices.slice();
  const rowWidth = (width + 2) * 3;
  let current = new Float32Array(rowWidth);
  let next = new Float32Array(rowWidth);

  for (let y = 0; y < height; y++) {
    const leftToRight = (y & 1) === 0;
    next.fill(0);
    for (let step = 0; step < width; step++) {
      const x = leftToRight ? step : width - 1 - step;
      const p = y * width + x;
      const o = p * channels;
      if (channels === 4 && data[o + 3] !== 255) continue;
      const e = (x + 1) * 3;
      const r = clamp(data[o]! + current[e]!);
      const g = clamp(data[o + 1]! + current[e + 1]!);
      const b = clamp(data[o + 2]! + current[e + 2]!);
      const key = (r << 16) | (g << 8) | b;
      let slot = cache[key]!;
      if (slot < 0) {
        writePoint(space, r, g, b, point, 0);
        slot = findNearest(point, 0, centres, k, 3, nearest).index;
        cache[key] = slot;
      }
      const entry = opaqueEntries[slot]!;
      out[p] = entry;
      const er = data[o]! + current[e]! - palette[entry * 3]!;
      const eg = data[o + 1]! + current[e + 1]! - palette[entry * 3 + 1]!;
      const eb = data[o + 2]! + current[e + 2]! - palette[entry * 3 + 2]!;
      const ahead = leftToRight ? 3 : -3;
      diffuse(current, e + ahead, er, eg, eb, 7 / 16);
      diffuse(next, e - ahead, er, eg, eb, 3 / 16);
      diffuse(next, e, er, eg, eb, 5 / 16);
      diffuse(next, e + ahead, er, eg, eb, 1 / 16);
    }
    [current, next] = [next, current];
  }
  return out;
}

function diffuse(row: Float32Array, offset: number, r: number, g: number, b: number, share: number): void {
  row[offset]! += r * share;
  row[offset + 1]! += g * share;
  row[offset + 2]! += b * share;
}

function clamp(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

function writePoint(space: ColorSpace, r: number, g: number, b: number, out: Float64Array, offset: number): void {
  if (space === 'oklab') {
    srgbToOklab(r, g, b, out, offset);
  } else {
    out[offset] = r;
    out[offset + 1] = g;
    out[offset + 2] = b;
  }
}
