/**
 * Even the largest palette allowed misses the quality target: permanent (the same image and
 * parameters always miss it), and nothing is written. Code `quality-too-low` (FAILURE_CODES).
 */
export class QualityTooLowError extends Error {
  override readonly name = 'QualityTooLowError';
  readonly code = 'quality-too-low';
  readonly permanent = true;
  constructor(
    readonly targetPsnr: number,
    readonly k: number,
    readonly bestPsnr: number,
  ) {
    super(
      `the best PSNR reached, ${bestPsnr.toFixed(2)} dB with k ${k}, is below the target of ${targetPsnr} dB (--target-psnr); nothing written`,
    );
  }
}
