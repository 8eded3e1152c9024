import { parseArgs } from 'node:util';
import { formatStatus, pace, watchRun } from '@kpress/producer';
import { createRunStore } from '@kpress/runs';
import { connectRedis } from '../clients.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const STATUS_HELP = `Usage: kpress status RUN_ID [--wait] [--json]

Counts of a run (queued, active, done, skipped, failed), throughput, ETA and every failure with
its reason. Exit 1 when the run has failures.

Options:
  --wait    follow the run until it ends (a progress bar on a terminal)
  --json    print the counts and failures as JSON`;

export async function runStatus(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { wait: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write(`${STATUS_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('status takes exactly one RUN_ID');
  const runId = positionals[0]!;
  const redis = await connectRedis(context.config, 'client', context.logger);
  try {
    const runs = createRunStore(redis, context.config.prefix);
    let snapshot = await runs.get(runId);
    if (!snapshot) throw new UsageError(`no run ${runId} in Redis (KPRESS_PREFIX=${context.config.prefix})`);
    if (values.wait) {
      snapshot = await watchRun(runs, runId, {
        intervalMs: 500,
        output: context.stderr,
      });
    }
    const failures = await runs.failures(runId);
    if (values.json) {
      const { perSecond, etaSeconds } = pace(snapshot, Date.now());
      context.stdout.write(`${JSON.stringify({ ...snapshot, imagesPerSecond: perSecond, etaSeconds, failures }, null, 2)}\n`);
    } else {
      context.stdout.write(`${formatStatus(snapshot, failures, Date.now())}\n`);
    }
    return snapshot.failed > 0 ? 1 : 0;
  } finally {
    redis.disconnect();
  }
}
