import type { Redis } from 'ioredis';
import pino from 'pino';

/** Redis commands whose arguments are credentials (AUTH [user] pass, HELLO … AUTH user pass …). */
const CREDENTIAL_COMMANDS = /^(auth|hello)$/i;

/**
 * ioredis attaches the failed command to reply errors (`error.command.args`): for AUTH and
 * HELLO that is the username and password, which pino would log with the error. Masks them in
 * place, so every later listener and log sees the masked error.
 */
function scrubCredentials(error: unknown): void {
  const command = (error as { command?: { name?: unknown; args?: unknown } } | null)?.command;
  if (command && typeof command.name === 'string' && CREDENTIAL_COMMANDS.test(command.name) && Array.isArray(command.args)) {
    command.args = command.args.map(() => '***');
  }
}

/**
 * Scrubs a connection's errors before any other listener sees them, and those of every
 * connection duplicated from it: BullMQ duplicates the connections it is given (blocking
 * commands, QueueEvents), and those re-authenticate on their own after a reconnect.
 */
export function scrubConnectionErrors(redis: Redis): void {
  redis.prependListener('error', scrubCredentials);
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override) => {
    const copy = duplicate(override);
    scrubConnectionErrors(copy);
    return copy;
  };
}

/**
 * pino's error serializer, then AUTH/HELLO arguments masked wherever a `command` sits in the
 * serialized error (its causes and aggregated errors included): the one place every logged
 * error passes, whichever connection or library raised it.
 */
export function serializeErrorWithoutCredentials(error: unknown): unknown {
  const serialized: unknown = error instanceof Error ? pino.stdSerializers.err(error) : error;
  maskCommands(serialized, 0);
  return serialized;
}

function maskCommands(value: unknown, depth: number): void {
  if (value === null || typeof value !== 'object' || depth > 6) return;
  scrubCredentials(value);
  for (const child of Object.values(value as Record<string, unknown>)) maskCommands(child, depth + 1);
}
