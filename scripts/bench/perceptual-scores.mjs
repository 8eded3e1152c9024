/**
 * Perceptual scores for bench:core, the same function for every method:
 * - blurred PSNR: RGB PSNR after a Gaussian blur of σ = 1.5 px (sharp `.blur(1.5)`) of both the
 *   source and the output, i.e. the error the eye sees from a normal viewing distance, where
 *   dithering's fine noise averages out;
 * - butteraugli: the distance printed by Debian's `butteraugli` between a lossless PNG of the
 *   source and the output PNG (lower is better).
 */
import { spawnSync } from 'node:child_process';

const BLUR_SIGMA = 1.5;

/** The blurred RGB pixels of raw 8-bit RGB, as sharp returns them. */
export async function blurRgb(sharp, rgb, width, height) {
  return sharp(rgb, { raw: { width, height, channels: 3 }, limitInputPixels: false })
    .blur(BLUR_SIGMA)
    .raw()
    .toBuffer();
}

export function butteraugliVersion() {
  const r = spawnSync('butteraugli', [], { encoding: 'utf8' });
  if (r.error) return null;
  return `${r.stdout}${r.stderr}`.includes('Usage: butteraugli') ? 'butteraugli (Debian package; no --version)' : null;
}

/** Butteraugli distance between two image files, or throws with what the tool said. */
export function butteraugliDistance(reference, candidate, timeoutMs) {
  const r = spawnSync('butteraugli', [reference, candidate], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (r.error) throw r.error;
  const value = Number(r.stdout.trim().split('\n').pop());
  if (r.status !== 0 || !Number.isFinite(value)) throw new Error(`butteraugli exited ${r.status}: ${r.stderr.slice(-500)}`);
  return value;
}
