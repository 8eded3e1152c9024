/** A usage or configuration mistake: the CLI prints it with the flag or variable and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a check of user input; whatever it throws becomes a UsageError with the same message. */
export function asUsageError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
