/**
 * Test support: PSNR after a Gaussian blur of both images, the error the eye sees from a normal
 * viewing distance. The blur is separable, σ in pixels, kernel cut at 3σ, edges clamped.
 */
import { psnrFromMse } from '../quality.js';

function gaussianBlurRgb(data: Uint8Array, width: number, height: number, sigma: number): Float64Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total;
  const across = new Float64Array(width * height * 3);
  const out = new Float64Array(width * height * 3);
  const clampTo = (v: number, max: number): number => (v < 0 ? 0 : v > max ? max : v);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = -radius; i <= radius; i++)
          sum += kernel[i + radius]! * data[(y * width + clampTo(x + i, width - 1)) * 3 + c]!;
        across[(y * width + x) * 3 + c] = sum;
      }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = -radius; i <= radius; i++)
          sum += kernel[i + radius]! * across[(clampTo(y + i, height - 1) * width + x) * 3 + c]!;
        out[(y * width + x) * 3 + c] = sum;
      }
  return out;
}

/** RGB pixels of an indexed image. */
export function expandIndices(indices: Uint8Array, palette: Uint8Array): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  for (let p = 0; p < indices.length; p++) out.set(palette.subarray(indices[p]! * 3, indices[p]! * 3 + 3), p * 3);
  return out;
}

export function blurredPsnr(a: Uint8Array, b: Uint8Array, width: number, height: number, sigma = 1.5): number {
  const blurredA = gaussianBlurRgb(a, width, height, sigma);
  const blurredB = gaussianBlurRgb(b, width, height, sigma);
  let sum = 0;
  for (let i = 0; i < blurredA.length; i++) sum += (blurredA[i]! - blurredB[i]!) ** 2;
  return psnrFromMse(sum / blurredA.length);
}
