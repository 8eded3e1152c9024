import { openProducer, type Producer } from '@kpress/producer';
import type { RunSnapshot } from '@kpress/runs';
import { connectRedis, createObjectStore } from './clients.js';
import type { CommandContext } from './commands/command.js';
import { UsageError } from './usage-error.js';

/** What the run commands (enqueue, retry, cancel, runs, report, status) work with: the producer app. */
export interface RunSession extends Producer {
  /** The run, or a usage error naming the prefixes it was looked for under. */
  requireRun(runId: string): Promise<RunSnapshot>;
}

export async function openRunSession(context: CommandContext): Promise<RunSession> {
  const { config, logger } = context;
  const producer = openProducer(await connectRedis(config, 'client', logger), createObjectStore(config), {
    prefixes: config.prefixes,
    logger,
  });
  return {
    ...producer,
    async requireRun(runId) {
      const run = await producer.runs.get(runId);
      if (!run) {
        throw new UsageError(
          `no run ${runId} in Redis (KPRESS_PREFIX=${config.prefixes.join(',')}); "kpress runs" lists the runs`,
        );
      }
      return run;
    },
  };
}
