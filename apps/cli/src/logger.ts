import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { serializeErrorWithoutCredentials } from './scrub-credentials.js';

/** JSON logs on stderr, so stdout stays for command output (`--json`, run ids). */
export function createLogger(config: Pick<Config, 'logLevel'>, bindings: Record<string, unknown> = {}): Logger {
  // Every error logged under these keys loses AUTH/HELLO arguments, whoever raised it.
  const serializers = { err: serializeErrorWithoutCredentials, error: serializeErrorWithoutCredentials };
  return pino({ level: config.logLevel, base: { pid: process.pid, ...bindings }, serializers }, pino.destination(2));
}
