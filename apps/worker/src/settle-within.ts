/** How a promise given a time limit ended. */
export type Settled<T> =
  | { readonly outcome: 'fulfilled'; readonly value: T }
  | { readonly outcome: 'rejected'; readonly error: unknown }
  | { readonly outcome: 'timed-out' };

/**
 * Waits for `promise` at most `ms` milliseconds. Shutdown steps use it: a library call that waits
 * for a Redis that never comes back must not keep the process alive past its deadline.
 */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ms must be a finite number ≥ 0, received ${String(ms)}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ outcome: 'timed-out' }), ms)));
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ outcome: 'fulfilled', value }),
        (error: unknown): Settled<T> => ({ outcome: 'rejected', error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
