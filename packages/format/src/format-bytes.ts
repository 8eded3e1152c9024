const UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * A byte count in decimal SI units (1 kB = 1,000 bytes, as S3 consoles and `ls --si` show sizes):
 * whole bytes below 1,000, then one decimal: "999 B", "1.0 kB", "5.9 MB".
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new RangeError(`bytes must be a finite number of at least 0, received ${String(bytes)}`);
  }
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let value = bytes / 1000;
  let unit = 0;
  // Compare the rounded value, so 999,960 bytes reads "1.0 MB", never "1000.0 kB".
  while (Number(value.toFixed(1)) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
