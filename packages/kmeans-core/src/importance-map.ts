/**
 * Perceptual importance of each pixel for palette choice, after libimagequant's contrast maps:
 * errors show most in flat areas and least in busy texture, so a pixel's weight falls with the
 * local contrast around it. The weight of a unique colour is the sum of its pixels' weights.
 *
 * Contrast is the largest, over R, G and B, of |2c − left − right| + |2c − up − down| (a
 * discrete Laplacian, edges clamped). A pixel weighs floor + (1 − floor) · scale / (scale +
 * contrast): 1 where the image is flat, falling towards `floor` in texture.
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
): Float64Array {
  const weights = new Float64Array(uniqueColours);
  const { floor, scale } = importanceFor(k);
  const stride = width * channels;
  for (let y = 0; y < height; y++) {
    const up = y > 0 ? -stride : 0;
    const down = y < height - 1 ? stride : 0;
    for (let x = 0, p = y * width, o = p * channels; x < width; x++, p++, o += channels) {
      const left = x > 0 ? -channels : 0;
      const right = x < width - 1 ? channels : 0;
      let contrast = 0;
      for (let c = 0; c < 3; c++) {
        const v = 2 * data[o + c]!;
        const edge =
          Math.abs(v - data[o + c + left]! - data[o + c + right]!) + Math.abs(v - data[o + c + up]! - data[o + c + down]!);
        if (edge > contrast) contrast = edge;
      }
      weights[pixelToUnique[p]!]! += floor + ((1 - floor) * scale) / (scale + contrast);
    }
  }
  return weights;
}
