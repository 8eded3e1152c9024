import type { RunStore } from '@kpress/runs';
import type { Job, Queue } from 'bullmq';

/** Jobs read from the queue per page while looking for a cancelled run's jobs. */
const PAGE = 500;
/** States of jobs that have not started: a cancelled run's jobs are removed from these. */
const NOT_STARTED = ['waiting', 'prioritized', 'delayed', 'paused'] as const;

export interface CancelResult {
  /** False when the run had already settled (done, failed or cancelled). */
  readonly cancelled: boolean;
  /** Jobs removed before they started (each counted as cancelled in the run). */
  readonly removed: number;
  /** Jobs running at the time: they finish, and their outputs are kept. */
  readonly inFlight: number;
  /** True when this call completed the run (nothing left in flight): its report is due. */
  readonly completedRun: boolean;
}

/**
 * Cancels a run: marks it cancelled (workers then skip its jobs), removes its jobs that have not
 * started from the queue, and — when its producer is no longer listing — closes the listing so
 * the run completes as soon as the jobs in flight finish. Throws when there is no such run.
 */
export async function cancelRun(runs: RunStore, queue: Queue, runId: string, reason: string): Promise<CancelResult> {
  // Read before the cancel changes the state: was a producer still listing it?
  const before = await runs.get(runId);
  const cancelled = await runs.cancel(runId, reason);
  if (cancelled === null) throw new Error(`no run ${runId}`);
  if (!cancelled) return { cancelled: false, removed: 0, inFlight: 0, completedRun: false };
  let removed = 0;
  let completedRun = false;
  for (const state of NOT_STARTED) {
    let start = 0;
    for (;;) {
      const page: Job[] = await queue.getJobs([state], start, start + PAGE - 1, true);
      if (page.length === 0) break;
      let removedHere = 0;
      for (const job of page) {
        if (!job?.id?.startsWith(`${runId}-`)) continue;
        // A job a worker took meanwhile is locked: it stays, and that worker skips or finishes it.
        const gone = await job.remove().then(
          () => true,
          () => false,
        );
        if (!gone) continue;
        removedHere++;
        const finish = await runs.finishJob(runId, job.id, { status: 'cancelled' }, ordinalOf(job.data));
        if (finish.completedRun) completedRun = true;
      }
      removed += removedHere;
      start += page.length - removedHere;
    }
  }
  const run = await runs.get(runId);
  // The producer closes the listing itself when it sees the cancel; a dead one never will.
  if (run && !run.listingDone && before?.state !== 'listing') {
    if (await runs.closeListing(runId, run.jobs)) completedRun = true;
  }
  return { cancelled: true, removed, inFlight: run?.active ?? 0, completedRun };
}

/** The job's ordinal in its run, if its producer gave it one (see ImageJob.ordinal). */
function ordinalOf(data: unknown): number | undefined {
  const ordinal = (data as { ordinal?: unknown } | null)?.ordinal;
  return typeof ordinal === 'number' ? ordinal : undefined;
}
