/**
 * Thrown when an option passed to a public function of kmeans-core is outside its documented
 * range. `option` names the offending option so callers (CLI, job validation) can point at it.
 */
export class InvalidOptionError extends RangeError {
  override readonly name = 'InvalidOptionError';
  constructor(
    readonly option: string,
    expected: string,
    received: unknown,
  ) {
    super(`${option} must be ${expected}, received ${describe(received)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as { length?: number }).length ?? value.byteLength})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

/** Exhaustiveness guard for `switch` statements over union types. */
export function assertNever(value: never): never {
  throw new TypeError(`unexpected value ${String(value)}`);
}
