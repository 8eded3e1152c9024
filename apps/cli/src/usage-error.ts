/** A usage or configuration mistake: the CLI prints it with the flag or variable and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
