// Benchmark tear-down: every clean-up runs, last registered first, and a failure is reported, not thrown.

/** Runs `cleanups` in reverse order; writes each failure to stderr and goes on with the rest. */
export async function runCleanups(cleanups) {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`clean-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}
