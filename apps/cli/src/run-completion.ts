import type { ObjectStore } from '@kpress/object-store';
import { writeRunReport } from '@kpress/reports';
import type { RunStore } from '@kpress/runs';
import type { Logger } from 'pino';

export interface RunCompletionDeps {
  readonly runs: RunStore;
  readonly store: ObjectStore;
  readonly logger: Logger;
}

/**
 * Runs once per run, in whichever process finished it (the last worker, or the producer): logs
 * the outcome and writes the run report. Never throws: the job or enqueue that completed the run
 * has succeeded whatever happens to its report, so a failure to write it is logged, not raised.
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
