import { type ColorSpace, srgbToOklab } from './colour-space.js';
import { CentreNeighbours } from './centre-neighbours.js';

/**
 * How far past the 0–255 range a dithered target may go before the error added to it is scaled
 * down (the whole error vector, so its hue is kept). A little overflow avoids flat bands where
 * every channel would be clamped; libimagequant allows 3 %.
 */
const OVERFLOW = 8;
/**
 * Squared error (summed over R, G and B) above which an error is "crazy high": it is then
 * carried forward at a reduced share, as libimagequant does, so that a colour the palette cannot
 * reach does not spray distant entries over its neighbours. The limit is this many times the
 * palette's own mean squared error (a coarse palette must carry large errors to dither at all),
 * and at least MIN_ERROR_SQUARED (48² ≈ a 28-level error per channel).
 */
const ERROR_LIMIT_FACTOR = 2.4;
const MIN_ERROR_SQUARED = 48 * 48;
/**
 * Share of an incoming error used when it is crazy high. Only incoming errors are damped: damping
 * outgoing ones too would bias flat areas towards the nearer entry (a grey between two distant
 * entries would no longer average out).
 */
const INCOMING_DAMPING = 0.8;

/**
 * Floyd–Steinberg error diffusion in RGB, serpentine scan. Each pixel takes the entry nearest
 * (in the clustering space) to its colour plus the diffused error; nearest entries are cached
 * per 24-bit colour and searched from the previous pixel's entry. The error carried forward is the difference between the clamped target that
 * was looked up and the chosen entry, so it stays bounded where the palette cannot reach; very
 * large incoming errors are damped (libimagequant's rule). Only opaque pixels are
 * dithered: translucent and transparent ones keep their undithered index (`baseIndices`), and
 * only opaque entries are candidates. `paletteError` is the undithered mapping's mean squared
 * error per pixel, summed over R, G and B.
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
  paletteError: number,
): Uint8Array {
  const maxErrorSquared = Math.max(MIN_ERROR_SQUARED, ERROR_LIMIT_FACTOR * paletteError);
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
  // Dithered targets take millions of distinct colours on a large photo: each is searched from
  // the previous pixel's entry (sorted neighbour lists) instead of against every entry.
  const neighbours = new CentreNeighbours(k, 3);
  neighbours.update(centres);
  let previous = 0;
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
      const sr = data[o]!;
      const sg = data[o + 1]!;
      const sb = data[o + 2]!;
      const ratio = incomingRatio(sr, sg, sb, current[e]!, current[e + 1]!, current[e + 2]!, maxErrorSquared);
      const r = toByte(sr + current[e]! * ratio);
      const g = toByte(sg + current[e + 1]! * ratio);
      const b = toByte(sb + current[e + 2]! * ratio);
      const key = (r << 16) | (g << 8) | b;
      let slot = cache[key]!;
      if (slot < 0) {
        writePoint(space, r, g, b, point, 0);
        slot = neighbours.search(point, 0, previous);
        cache[key] = slot;
      }
      previous = slot;
      const entry = opaqueEntries[slot]!;
      out[p] = entry;
      const er = r - palette[entry * 3]!;
      const eg = g - palette[entry * 3 + 1]!;
      const eb = b - palette[entry * 3 + 2]!;
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

/**
 * Share (0–1) of the incoming error to add to a source colour: the largest that keeps every
 * channel within OVERFLOW of the 0–255 range, damped when the error is crazy high.
 */
function incomingRatio(r: number, g: number, b: number, er: number, eg: number, eb: number, maxErrorSquared: number): number {
  let ratio = 1;
  ratio = limit(ratio, r, er);
  ratio = limit(ratio, g, eg);
  ratio = limit(ratio, b, eb);
  if (er * er + eg * eg + eb * eb > maxErrorSquared) ratio *= INCOMING_DAMPING;
  return ratio;
}

function limit(ratio: number, value: number, error: number): number {
  if (value + error > 255 + OVERFLOW) return Math.min(ratio, (255 + OVERFLOW - value) / error);
  if (value + error < -OVERFLOW) return Math.min(ratio, (value + OVERFLOW) / -error);
  return ratio;
}

function diffuse(row: Float32Array, offset: number, r: number, g: number, b: number, share: number): void {
  row[offset]! += r * share;
  row[offset + 1]! += g * share;
  row[offset + 2]! += b * share;
}

function toByte(value: number): number {
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
