import { getPriority, setPriority } from 'node:os';

/**
 * How far below the event loop a compress thread runs by default (nice +10; `kpress worker
 * --compress-nice`). On Linux nice is per thread: the worker's main thread (lock renewals, health
 * probes, S3 and Redis I/O) preempts the quantizer at once instead of queueing behind it.
 * Measured on 2 cores with two workers sharing them: +3–4 % images/s, because one worker's I/O no
 * longer waits for the other's quantizer. The flip side, on a host without per-container CPU
 * groups: other processes at nice 0 get ten times the quantizer's share of a contended core.
 */
export const COMPRESS_THREAD_NICE_INCREMENT = 10;

/**
 * Lowers the calling thread's priority by `increment` nice levels (capped at 19; lowering needs
 * no privilege). Only on Linux, where `setpriority(0)` acts on the calling thread; elsewhere it
 * would renice the whole process, so it does nothing. Returns the nice value now in force, or
 * null when unchanged.
 */
export function lowerThisThreadPriority(increment: number, platform: NodeJS.Platform = process.platform): number | null {
  if (!Number.isInteger(increment) || increment < 0 || increment > 39) {
    throw new RangeError(`increment must be an integer between 0 and 39, received ${String(increment)}`);
  }
  if (platform !== 'linux' || increment === 0) return null;
  const nice = Math.min(19, getPriority() + increment);
  setPriority(nice);
  return nice;
}
