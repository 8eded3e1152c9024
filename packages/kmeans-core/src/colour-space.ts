import { assertNever } from './errors.js';

/** Where clustering happens. Palettes are always returned in 8-bit sRGB. */
export type ColorSpace = 'rgb' | 'oklab';
export const COLOR_SPACES: readonly ColorSpace[] = ['rgb', 'oklab'];

/** Oklab components are scaled by this so distances are on a scale like 8-bit RGB's. */
const OKLAB_SCALE = 255;

const SRGB_TO_LINEAR = new Float64Array(256);
for (let v = 0; v < 256; v++) {
  const c = v / 255;
  SRGB_TO_LINEAR[v] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/**
 * Writes the working-space coordinates of packed colours into `out` (`dimension` per colour:
 * 3 for RGB, 4 when alpha is kept). Alpha is scaled like the other components.
 */
export function toWorkingSpace(
  space: ColorSpace,
  red: Uint8Array,
  green: Uint8Array,
  blue: Uint8Array,
  alpha: Uint8Array | null,
  out: Float64Array,
): void {
  const n = red.length;
  const dimension = alpha ? 4 : 3;
  for (let i = 0, o = 0; i < n; i++, o += dimension) {
    switch (space) {
      case 'rgb':
        out[o] = red[i]!;
        out[o + 1] = green[i]!;
        out[o + 2] = blue[i]!;
        break;
      case 'oklab':
        srgbToOklab(red[i]!, green[i]!, blue[i]!, out, o);
        break;
      default:
        assertNever(space);
    }
    if (alpha) out[o + 3] = alpha[i]!;
  }
}

/** Converts working-space centres back to 8-bit sRGB(A), rounded and clamped. */
export function fromWorkingSpace(space: ColorSpace, centres: Float64Array, dimension: number, out: Uint8Array): void {
  const k = centres.length / dimension;
  const rgb = [0, 0, 0];
  for (let c = 0; c < k; c++) {
    const o = c * dimension;
    switch (space) {
      case 'rgb':
        rgb[0] = centres[o]!;
        rgb[1] = centres[o + 1]!;
        rgb[2] = centres[o + 2]!;
        break;
      case 'oklab':
        oklabToSrgb(centres[o]!, centres[o + 1]!, centres[o + 2]!, rgb);
        break;
      default:
        assertNever(space);
    }
    out[c * dimension] = toByte(rgb[0]!);
    out[c * dimension + 1] = toByte(rgb[1]!);
    out[c * dimension + 2] = toByte(rgb[2]!);
    if (dimension === 4) out[c * dimension + 3] = toByte(centres[o + 3]!);
  }
}

function toByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

/** sRGB (0–255) → Oklab (Björn Ottosson, 2020), scaled by OKLAB_SCALE. */
export function srgbToOklab(r: number, g: number, b: number, out: Float64Array, offset: number): void {
  const lr = SRGB_TO_LINEAR[r]!;
  const lg = SRGB_TO_LINEAR[g]!;
  const lb = SRGB_TO_LINEAR[b]!;
  const l = Math.cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb);
  const m = Math.cbrt(0.2119034982 * lr + 0.6806995451 * lg + 0.1073969566 * lb);
  const s = Math.cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb);
  out[offset] = OKLAB_SCALE * (0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s);
  out[offset + 1] = OKLAB_SCALE * (1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s);
  out[offset + 2] = OKLAB_SCALE * (0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s);
}

/** Scaled Oklab → sRGB (0–255, unclamped floats). */
function oklabToSrgb(L: number, A: number, B: number, out: number[]): void {
  const L1 = L / OKLAB_SCALE;
  const a1 = A / OKLAB_SCALE;
  const b1 = B / OKLAB_SCALE;
  const l = (L1 + 0.3963377774 * a1 + 0.2158037573 * b1) ** 3;
  const m = (L1 - 0.1055613458 * a1 - 0.0638541728 * b1) ** 3;
  const s = (L1 - 0.0894841775 * a1 - 1.291485548 * b1) ** 3;
  out[0] = 255 * linearToSrgb(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s);
  out[1] = 255 * linearToSrgb(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s);
  out[2] = 255 * linearToSrgb(-0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s);
}

function linearToSrgb(c: number): number {
  if (c <= 0) return 0;
  if (c >= 1) return 1;
  return c <= 0.0031308 ? 12.92 * c : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}
