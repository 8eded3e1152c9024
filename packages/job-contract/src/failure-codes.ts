/**
 * Why an image failed, as scripts, `status` and reports name it. Permanent failures come from
 * the input or the job itself and are never retried; transient ones are retried with backoff.
 * Remembered failures are skipped by later incremental runs while the object and parameters stay
 * the same (`--retry-failed` or `kpress retry RUN_ID` try them again).
 */
export const FAILURE_CODES = {
  'missing-object': { permanent: true, remembered: true },
  'not-an-image': { permanent: true, remembered: true },
  'corrupt-image': { permanent: true, remembered: true },
  'unsupported-format': { permanent: true, remembered: true },
  'unsupported-image': { permanent: true, remembered: true },
  'too-many-pixels': { permanent: true, remembered: true },
  'too-large': { permanent: true, remembered: true },
  timeout: { permanent: true, remembered: true },
  'unsafe-key': { permanent: true, remembered: true },
  'key-too-long': { permanent: true, remembered: true },
  'unsafe-output': { permanent: true, remembered: true },
  'output-collision': { permanent: true, remembered: true },
  'invalid-params': { permanent: true, remembered: true },
  /** Even the largest palette allowed (--k) misses --target-psnr: nothing is written. */
  'quality-too-low': { permanent: true, remembered: true },
  'invalid-job': { permanent: true, remembered: false },
  'bucket-not-allowed': { permanent: true, remembered: false },
  'access-denied': { permanent: true, remembered: false },
  'worker-lost': { permanent: true, remembered: false },
  /** `kpress compress` only: a local input that exists but cannot be read (a directory, an I/O error). */
  'source-unreadable': { permanent: true, remembered: false },
  /** `kpress compress` only: a local output that cannot be written (no space, a file in the way). */
  'output-unwritable': { permanent: true, remembered: false },
  'storage-unavailable': { permanent: false, remembered: false },
  'thread-crashed': { permanent: false, remembered: false },
  'internal-error': { permanent: false, remembered: false },
} as const satisfies Record<string, { permanent: boolean; remembered: boolean }>;

export type FailureCode = keyof typeof FAILURE_CODES;

/** True for codes an incremental run remembers (see FAILURE_CODES); unknown codes are not. */
export function isRememberedFailure(code: string): boolean {
  return (FAILURE_CODES as Record<string, { remembered: boolean } | undefined>)[code]?.remembered === true;
}

export function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === 'string' && Object.hasOwn(FAILURE_CODES, value);
}

/** Whether a failure with this code is worth retrying: the table's word, not the thrower's. */
export function isPermanentFailure(code: FailureCode): boolean {
  return FAILURE_CODES[code].permanent;
}

/**
 * The code an error carries (its `code` property, when it is one of FAILURE_CODES), or null:
 * how a failure crosses a process boundary without guessing from names.
 */
export function failureCodeOf(error: unknown): FailureCode | null {
  const code = (error as { code?: unknown } | null)?.code;
  return isFailureCode(code) ? code : null;
}
