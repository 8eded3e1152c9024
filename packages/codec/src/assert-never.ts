export function assertNever(value: never): never {
  throw new TypeError(`unexpected value ${String(value)}`);
}
