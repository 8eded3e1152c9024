import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** What every command receives from main: configuration, a logger and the output streams. */
export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export type Command = (argv: string[], context: CommandContext) => Promise<number>;
