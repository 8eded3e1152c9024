/**
 * Even the largest palette allowed misses the quality target: permanent (the same image and
 * parameters always miss it), and nothing is written. Code `quality-too-low` (FAILURE_CODES).
 */
export class QualityTooLowError extends Error {
  override readonly name = 'QualityTooLowError';
  readonly code = 'quality-too-low';
  readonly permanent = true;
  constructor(
    readonly target: { readonly metric: 'psnr' | 'ssim'; readonly value: number },
    readonly k: number,
    readonly best: number,
  ) {
    super(
      target.metric === 'psnr'
        ? `the best PSNR reached, ${best.toFixed(2)} dB with k ${k}, is below the target of ${target.value} dB (--target-psnr); nothing written`
        : `the best SSIM reached, ${best.toFixed(4)} with k ${k}, is below the target of ${target.value} (--target-ssim); nothing written`,
    );
  }
}
