import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/** JSON logs on stderr, so stdout stays for command output (`--json`, run ids). */
export function createLogger(config: Pick<Config, 'logLevel'>, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid, ...bindings } }, pino.destination(2));
}
