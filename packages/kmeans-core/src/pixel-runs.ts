/**
 * How a pass over every pixel of an image is split into calls: runs of PIXEL_RUN pixels, each one
 * call of the function that does the work. A cold one-shot optimizes a function called many times
 * as a whole, where one long loop is only compiled mid-run (on-stack replacement): code that ran
 * the 12-MP mapping about twice as slowly, and was thrown away at the loop's first rare branch.
 * The first run is short, so that the function completes once before its loop is compiled: code
 * after a loop that had never run has no type feedback, and a loop compiled without it was thrown
 * away at the end of every later run.
 */
const PIXEL_RUN = 8192;
const FIRST_RUN = 64;

/** The end of the run that starts at pixel `start`, of `pixels` in all. */
export function runEnd(start: number, pixels: number): number {
  return Math.min(pixels, start + (start === 0 ? FIRST_RUN : PIXEL_RUN));
}
