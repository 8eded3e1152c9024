import { parseArgs } from 'node:util';
import { formatDuration } from '@kpress/producer';
import type { RunSnapshot } from '@kpress/runs';
import { integerFlag } from '../integer-flag.js';
import { openRunSession } from '../run-session.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

const RUNS_HELP = `Usage: kpress runs [--limit N] [--json]

Lists runs, newest first: id, state (listing, running, done, failed, cancelled), counts,
source → destination, start time and duration. Runs are kept 30 days after their last change.

Options:
  --limit N   runs listed (default 20, at most 1000)
  --json      an array of run objects (runId, state, counts, …), newest first`;

export async function runRuns(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { limit: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write(`${RUNS_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`runs takes no argument, received ${JSON.stringify(positionals[0])}`);
  const limit = integerFlag('limit', values.limit, 20, { min: 1, max: 1000 });
  const session = await openRunSession(context);
  try {
    const ids = await session.runs.recent(limit);
    const runs = (await Promise.all(ids.map((id) => session.runs.get(id)))).filter((run): run is RunSnapshot => run !== null);
    if (values.json) {
      context.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      context.stdout.write(`no runs under KPRESS_PREFIX=${context.config.prefixes.join(',')}\n`);
      return 0;
    }
    const now = Date.now();
    for (const run of runs) context.stdout.write(`${formatRunLine(run, now)}\n`);
    return 0;
  } finally {
    await session.close();
  }
}

/** One run on one line: id, state, counts, source → destination, start and duration. */
function formatRunLine(run: RunSnapshot, now: number): string {
  const started = new Date(run.createdAt)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  const duration = formatDuration(((run.finishedAt ?? now) - run.createdAt) / 1000);
  const skipped = run.skipped + run.skippedFailed;
  const counts =
    `${run.jobs} jobs: done ${run.done}, ${run.keptOriginal > 0 ? `kept original ${run.keptOriginal}, ` : ''}failed ${run.failed}` +
    `${run.cancelled > 0 ? `, cancelled ${run.cancelled}` : ''}${skipped > 0 ? `; skipped ${skipped}` : ''}`;
  return `${run.runId}  ${run.state.padEnd(9)}  ${counts}  ${run.source} → ${run.destination}  started ${started}, ${duration}`;
}
