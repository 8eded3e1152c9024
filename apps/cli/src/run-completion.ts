import type { ObjectStore } from '@kpress/object-store';
import type { RunStore } from '@kpress/runs';
import type { Logger } from 'pino';

export interface RunCompletionDeps {
  readonly runs: RunStore;
  readonly store: ObjectStore;
  readonly logger: Logger;
}

/** Runs once per run, in whichever process finished it (the last worker, or the producer). */
export async function completeRun(deps: RunCompletionDeps, runId: string): Promise<void> {
  const snapshot = await deps.runs.get(runId);
  deps.logger.info({ runId, done: snapshot?.done, failed: snapshot?.failed, skipped: snapshot?.skipped }, 'run complete');
}
