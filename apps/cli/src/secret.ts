import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential from the configuration, kept out of every dump: JSON.stringify, util.inspect
 * (console.log, pino's fallbacks) and string conversion all show "[redacted]". Only reveal()
 * returns the value, at the one place that needs it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
