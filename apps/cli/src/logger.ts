import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { formatLogLine } from './log-line.js';
import { serializeErrorWithoutCredentials } from './scrub-credentials.js';

/** Commands that run until stopped: their start/stop lines are worth seeing on a terminal too. */
const LONG_RUNNING: ReadonlySet<string> = new Set(['worker', 'dashboard']);

export interface LoggerTarget {
  /** The command being run ("enqueue", "worker" …): it decides the default level. */
  readonly command: string;
  /** Where logs go (stderr, so stdout stays for command output: `--json`, run ids). */
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/**
 * The level when LOG_LEVEL is not set: "warn" for a one-shot command (compress, enqueue, status …)
 * on a terminal, whose own output says what happened; "info" for long-running commands and for
 * everything not on a terminal (containers, pipes, tests), where the log is the record.
 */
function defaultLogLevel(command: string, interactive: boolean): Config['logLevel'] {
  return interactive && !LONG_RUNNING.has(command) ? 'warn' : 'info';
}

/**
 * Logs on stderr: JSON lines (pino's, for collectors) unless stderr is a terminal, where each line
 * is formatted for a person (`HH:MM:SS level message key=value …`, see log-line.ts).
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logLevelSet'>, target: LoggerTarget): Logger {
  const interactive = target.stderr.isTTY === true;
  const level = config.logLevelSet ? config.logLevel : defaultLogLevel(target.command, interactive);
  // Every error logged under these keys loses AUTH/HELLO arguments, whoever raised it.
  const serializers = { err: serializeErrorWithoutCredentials, error: serializeErrorWithoutCredentials };
  if (!interactive) return pino({ level, base: { pid: process.pid }, serializers }, pino.destination(2));
  return pino(
    { level, base: { pid: process.pid }, serializers },
    { write: (line: string) => target.stderr.write(formatLogLine(line)) },
  );
}
