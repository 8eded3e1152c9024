import { parseS3Url, reportKeys } from '@kpress/job-contract';
import { type EnqueueRequest, formatStatus, RunRefusedError, wakeOnJobEvents, watchRun } from '@kpress/producer';
import { RunConflictError, RunExistsError, type RunSnapshot } from '@kpress/runs';
import type { CommandContext } from './commands/command.js';
import { listenForInterruption } from './interruption.js';
import type { RunSession } from './run-session.js';
import { UsageError } from './usage-error.js';

/** Where a run's report lands: its destination's `_kpress/runs/RUN_ID/`. */
export function reportUrls(destination: string, runId: string): { html: string; json: string } {
  const location = parseS3Url(destination, 'the destination');
  const keys = reportKeys(location.key, runId);
  return { html: `s3://${location.bucket}/${keys.html}`, json: `s3://${location.bucket}/${keys.json}` };
}

/**
 * Runs an enqueue as a person sees it: the run id on stdout (before listing), where it goes and
 * how to follow or cancel it on stderr, progress while listing, then with `wait` the run followed
 * to its end. Ctrl-C while listing stops the listing (the run ends `failed`, what it queued still
 * runs); while waiting it only stops waiting. Returns the exit code.
 */
export async function runEnqueueFlow(
  session: RunSession,
  request: EnqueueRequest,
  options: { readonly wait: boolean; readonly shard?: number },
  context: CommandContext,
): Promise<number> {
  const { stdout, stderr } = context;
  // Ctrl-C stops the listing or the waiting, never the run; every Ctrl-C is caught, not only the first.
  const interrupt = listenForInterruption(['SIGINT'], { once: false });
  const created: { runId: string | null } = { runId: null };
  try {
    let progress;
    try {
      // A new run goes to the chosen shard (--shard) or one picked by its id; a resumed one stays on its own.
      progress = await session.enqueue(
        request,
        {
          signal: interrupt.signal,
          onRunCreated: (runId) => {
            created.runId = runId;
            stdout.write(`${runId}\n`);
            const report = reportUrls(`s3://${request.destination.bucket}/${request.destination.key}`, runId);
            stderr.write(
              `run ${runId}: ${request.sourceLabel} → s3://${request.destination.bucket}/${request.destination.key}\n` +
                `  report when it ends: ${report.html}\n` +
                `  follow: kpress status ${runId} --wait · cancel: kpress cancel ${runId}\n`,
            );
          },
          onProgress: (p) => {
            const line = `listing: ${p.listed} objects seen, ${p.queued} queued, ${p.skipped} skipped, ${p.skippedFailed} failed before, ${p.notImages} not images, ${p.failed} failed`;
            stderr.write(isTerminal(stderr) ? `\r\x1b[2K${line}` : `${line}\n`);
          },
          onDryRunEntry: (entry) =>
            stdout.write(
              `${entry.action.padEnd(5)} ${entry.source}${entry.output ? ` → ${entry.output}` : ''}${entry.reason ? ` (${entry.reason})` : ''}\n`,
            ),
        },
        options.shard,
      );
    } catch (error) {
      if (isTerminal(stderr)) stderr.write('\n');
      if (error instanceof RunExistsError || error instanceof RunConflictError || error instanceof RunRefusedError) {
        throw new UsageError(error.message);
      }
      const createdRun = created.runId;
      if (createdRun !== null) {
        const verb = interrupt.signal.aborted ? 'stopped' : 'failed';
        stderr.write(
          `run ${createdRun} ${verb} while listing: its state is now "failed"; jobs it queued still run ` +
            `(kpress cancel ${createdRun} stops them)\n`,
        );
        if (interrupt.signal.aborted) return interrupt.exitCode;
      }
      throw error;
    }
    if (isTerminal(stderr)) stderr.write('\n');
    const summary =
      `listed ${progress.listed}, queued ${progress.queued}, skipped ${progress.skipped}, ` +
      `not images ${progress.notImages}, failed ${progress.failed}` +
      (progress.skippedFailed > 0 ? `, skipped (failed before) ${progress.skippedFailed}` : '') +
      (progress.duplicates > 0 ? `, duplicates counted once ${progress.duplicates}` : '');
    if (request.dryRun) {
      stdout.write(`dry run: ${summary}\n`);
      return 0;
    }
    stderr.write(`run ${request.runId}: ${summary}${progress.cancelled ? ' (cancelled while listing)' : ''}\n`);
    if (!options.wait) return 0;
    const final = await waitForRun(session, request.runId, interrupt.signal, context);
    if (final === null) return interrupt.exitCode;
    return exitCodeOf(final);
  } finally {
    interrupt.stop();
  }
}

/**
 * The longest wait between two reads of a followed run: job events end a wait at once, so this
 * only bounds how late `--wait` sees changes no job announces (listing done, cancel, a failed run).
 */
const POLL_FALLBACK_MS = 1_000;

/** Follows a run to its end; null when Ctrl-C stopped the waiting (the run goes on). */
export async function waitForRun(
  session: RunSession,
  runId: string,
  signal: AbortSignal,
  context: CommandContext,
  options: { readonly summary: boolean } = { summary: true },
): Promise<RunSnapshot | null> {
  // The events of the run's own shard's queue.
  const shard = await session.shards.locate(runId);
  const wake = await wakeOnJobEvents(session.redis, shard?.prefix ?? context.config.prefix, runId);
  try {
    const final = await watchRun(session.runs, runId, { intervalMs: POLL_FALLBACK_MS, wake, output: context.stderr, signal });
    if (!options.summary) return final;
    const [failures, skippedFailures] = await Promise.all([
      session.runs.failures(runId, 50),
      session.runs.skippedFailures(runId, 50),
    ]);
    context.stderr.write(`${formatStatus(final, failures, Date.now(), skippedFailures)}\n`);
    return final;
  } catch (error) {
    if (!signal.aborted) throw error;
    context.stderr.write(
      `\nstopped waiting: run ${runId} goes on in the workers.\n` +
        `  follow it: kpress status ${runId} --wait\n  cancel it: kpress cancel ${runId}\n`,
    );
    return null;
  } finally {
    await wake.close();
  }
}

/** 0 when every image of a done run succeeded; 1 when any failed, or the run failed or was cancelled. */
export function exitCodeOf(run: RunSnapshot): number {
  return run.failed > 0 || run.state === 'failed' || run.state === 'cancelled' ? 1 : 0;
}

export function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
