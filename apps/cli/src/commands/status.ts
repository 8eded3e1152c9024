import { parseArgs } from 'node:util';
import { formatStatus, pace } from '@kpress/producer';
import { exitCodeOf, waitForRun } from '../enqueue-flow.js';
import { listenForInterruption } from '../interruption.js';
import { openRunSession } from '../run-session.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

const STATUS_HELP = `Usage: kpress status [RUN_ID] [--wait] [--json]

The run's state (listing, running, done, failed, cancelled), counts (queued, active, done,
skipped, failed), throughput, ETA and every failure with its reason. Without RUN_ID: the latest
run. Exit 1 when the run has failures, failed or was cancelled.

Options:
  --wait    follow the run until it settles (a progress bar on a terminal); Ctrl-C stops waiting
  --json    print the run (with "state"), its failures and skipped-failed sources as JSON`;

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
  if (positionals.length > 1) throw new UsageError('status takes at most one RUN_ID');
  const session = await openRunSession(context);
  const interrupt = listenForInterruption(['SIGINT'], { once: false });
  try {
    const runId = positionals[0] ?? (await session.runs.recent(1))[0];
    if (runId === undefined) throw new UsageError(`no runs under KPRESS_PREFIX=${context.config.prefixes.join(',')}`);
    let snapshot = await session.requireRun(runId);
    if (values.wait) {
      const final = await waitForRun(session, runId, interrupt.signal, context, { summary: false });
      if (final === null) return interrupt.exitCode;
      snapshot = final;
    }
    const [failures, skippedFailures] = await Promise.all([session.runs.failures(runId), session.runs.skippedFailures(runId)]);
    if (values.json) {
      const { perSecond, etaSeconds } = pace(snapshot, Date.now());
      context.stdout.write(
        `${JSON.stringify({ ...snapshot, imagesPerSecond: perSecond, etaSeconds, failures, skippedFailures }, null, 2)}\n`,
      );
    } else {
      context.stdout.write(`${formatStatus(snapshot, failures, Date.now(), skippedFailures)}\n`);
    }
    return exitCodeOf(snapshot);
  } finally {
    interrupt.stop();
    await session.close();
  }
}
