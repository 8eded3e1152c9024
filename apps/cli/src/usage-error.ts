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

/**
 * Errors of other packages that mean "the configuration is wrong" and exit 2 like a UsageError,
 * recognised by name so the CLI need not load those packages (and the AWS SDK) at start-up.
 */
const CONFIGURATION_ERRORS: ReadonlySet<string> = new Set(['MissingCredentialsError']);

export function isConfigurationError(error: unknown): error is Error {
  return error instanceof Error && CONFIGURATION_ERRORS.has(error.name);
}
