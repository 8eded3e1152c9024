import { writeRunReport, type WriteReportDeps } from './write-run-report.js';

/** The logging completeRun needs; a pino Logger fits. */
export interface RunCompletionLogger extends Readonly<WriteReportDeps['logger']> {
  error(bindings: object, message: string): void;
}

export interface RunCompletionDeps extends WriteReportDeps {
  readonly logger: RunCompletionLogger;
}

/**
 * A run's finalisation, the one place a finished run's report is written. Called once per run by
 * whichever process finished it: the worker whose job was the run's last, the producer whose
 * listing queued nothing left to wait for, or the cancel that found nothing in flight. Logs the
 * outcome and writes the report. Never throws: the job or enqueue that completed the run has
 * succeeded whatever happens to its report, so a failure to write it is logged, not raised.
 */
export async function completeRun(deps: RunCompletionDeps, runId: string): Promise<void> {
  try {
    const snapshot = await deps.runs.get(runId);
    deps.logger.info({ runId, done: snapshot?.done, failed: snapshot?.failed, skipped: snapshot?.skipped }, 'run complete');
    await writeRunReport(deps, runId);
  } catch (error) {
    deps.logger.error({ runId, err: error }, 'could not write the run report');
  }
}
