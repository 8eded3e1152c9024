import { UsageError } from './usage-error.js';

const DECIMAL_INTEGER = /^-?\d+$/;

/**
 * The integer a flag's text spells in plain decimal digits, or null for anything else: "0x10",
 * "1e1", "1.0", " 16" and "" are not integers on a command line, though `Number()` takes them.
 */
export function parseDecimalInteger(raw: string): number | null {
  if (!DECIMAL_INTEGER.test(raw)) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** The value of an integer flag within [min, max], `fallback` when absent; anything else is a usage error naming the flag. */
export function integerFlag(flag: string, raw: string | undefined, fallback: number, range: IntegerRange): number {
  if (raw === undefined) return fallback;
  const value = parseDecimalInteger(raw);
  if (value === null || value < range.min || value > range.max) {
    throw new UsageError(`--${flag} must be an integer between ${range.min} and ${range.max}, received ${JSON.stringify(raw)}`);
  }
  return value;
}
