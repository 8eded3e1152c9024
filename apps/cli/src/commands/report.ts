import { parseArgs } from 'node:util';
import { parseS3Url } from '@kpress/job-contract';
import { formatStatus } from '@kpress/producer';
import { reportUrls } from '../enqueue-flow.js';
import { openRunSession } from '../run-session.js';
import { UsageError } from '../usage-error.js';
import type { CommandContext } from './command.js';

const REPORT_HELP = `Usage: kpress report [RUN_ID] [--json]

Says where a run's report is (HTML and JSON, under the destination's _kpress/runs/RUN_ID/),
whether it is written yet, and the run's summary. Without RUN_ID: the latest run. The dashboard
(kpress dashboard) serves the same report at /runs/RUN_ID/report.html.

Options:
  --json   { runId, state, html, json, written }`;

export async function runReport(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout.write(`${REPORT_HELP}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('report takes at most one RUN_ID');
  const session = await openRunSession(context);
  try {
    const runId = positionals[0] ?? (await session.runs.recent(1))[0];
    if (runId === undefined) throw new UsageError(`no runs under KPRESS_PREFIX=${context.config.prefixes.join(',')}`);
    const run = await session.requireRun(runId);
    const urls = reportUrls(run.destination, runId);
    const html = parseS3Url(urls.html, 'the report');
    const written = (await session.store.head(html.bucket, html.key)) !== null;
    if (values.json) {
      context.stdout.write(
        `${JSON.stringify({ runId, state: run.state, html: urls.html, json: urls.json, written }, null, 2)}\n`,
      );
      return 0;
    }
    const why = written
      ? ''
      : run.complete
        ? ' (not written: it failed or was deleted)'
        : ` (not written yet: the run is ${run.state})`;
    context.stdout.write(
      `report of run ${runId}${why}\n  html: ${urls.html}\n  json: ${urls.json}\n` +
        `  dashboard: kpress dashboard, then /runs/${runId}/report.html\n\n` +
        `${formatStatus(run, await session.runs.failures(runId, 20), Date.now(), await session.runs.skippedFailures(runId, 20))}\n`,
    );
    return 0;
  } finally {
    await session.close();
  }
}
