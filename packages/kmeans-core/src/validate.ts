import { InvalidOptionError } from './errors.js';

/** Checks that `value` is an integer in [min, max] and returns it. */
export function integerInRange(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `an integer between ${min} and ${max}`, value);
  }
  return value;
}

/** Checks that `value` is a finite number in [min, max] and returns it. */
export function numberInRange(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `a number between ${min} and ${max}`, value);
  }
  return value;
}

export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(option, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  }
  return value as T;
}

export function boolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, 'a boolean', value);
  return value;
}

export function floatArray(option: string, value: unknown): Float32Array | Float64Array {
  if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new InvalidOptionError(option, 'a Float32Array or Float64Array', value);
  }
  return value;
}

export function byteArray(option: string, value: unknown): Uint8Array | Uint8ClampedArray {
  if (!(value instanceof Uint8Array) && !(value instanceof Uint8ClampedArray)) {
    throw new InvalidOptionError(option, 'a Uint8Array, Uint8ClampedArray or Buffer', value);
  }
  return value;
}
