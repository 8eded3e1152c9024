import { parseArgs } from 'node:util';
import { reportUrls } from '../enqueue-flow.js';
import { openRunSession } from '../run-session.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

export const CANCEL_HELP = `Usage: kpress cancel RUN_ID

Cancels a run: its jobs that have not started are removed from the queue, jobs already running
finish (their outputs are kept), and no other job of the run runs. A run still listing stops
listing. The run ends in state "cancelled" and its report is written with what was done.
Exit 0 when cancelled (or already settled), 2 when there is no such run.`;

export async function runCancel(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write(`${CANCEL_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('cancel takes exactly one RUN_ID ("kpress runs" lists them)');
  const runId = positionals[0]!;
  const session = await openRunSession(context);
  try {
    const before = await session.requireRun(runId);
    const result = await session.cancel(runId, `cancelled by kpress cancel at ${new Date().toISOString()}`);
    if (!result.cancelled) {
      context.stdout.write(
        `run ${runId} is ${before.state === 'cancelled' ? 'cancelled' : 'complete'} already: nothing to cancel\n`,
      );
      return 0;
    }
    const report = reportUrls(before.destination, runId);
    context.stdout.write(
      `run ${runId} cancelled: ${result.removed} queued jobs removed, ${result.inFlight} in flight will finish\n` +
        `  report: ${report.html}${result.completedRun ? '' : ' (written when the jobs in flight finish)'}\n`,
    );
    return 0;
  } finally {
    await session.close();
  }
}
