/** Stable codes of BadImageError, for scripts and reports. */
export type BadImageCode = 'not-an-image' | 'corrupt-image' | 'too-many-pixels' | 'unsupported-image' | 'unsupported-format';

/**
 * Errors about the input image itself. They are permanent: retrying the same bytes can never
 * succeed, so a job that hits one fails at once. `code` is stable for scripts and reports.
 */
export class BadImageError extends Error {
  override readonly name: string = 'BadImageError';
  readonly permanent = true;
  constructor(
    readonly code: BadImageCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
