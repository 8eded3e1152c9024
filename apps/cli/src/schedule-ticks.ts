import type { Queue } from 'bullmq';

/** States a finished or pending tick job can be in (active ones are waited for). */
const REMOVABLE_STATES = ['completed', 'failed', 'delayed', 'wait', 'paused', 'prioritized'] as const;

/**
 * Removes every job a schedule's BullMQ job scheduler made (its ticks, ids "repeat:NAME:MILLIS"),
 * which removeJobScheduler leaves in the completed and failed sets. A tick still running is
 * waited for (up to `timeoutMs`), since a locked job cannot be removed. Returns how many.
 */
export async function removeScheduleTicks(queue: Queue, name: string, timeoutMs = 15_000): Promise<number> {
  const isTick = (id: string | undefined): boolean => id?.startsWith(`repeat:${name}:`) === true;
  const deadline = Date.now() + timeoutMs;
  let removed = 0;
  for (;;) {
    for (const job of (await queue.getJobs([...REMOVABLE_STATES])).filter((j) => isTick(j.id))) {
      // A delayed tick may have started since the listing: it is then removed on the next pass.
      if (
        await job.remove().then(
          () => true,
          () => false,
        )
      )
        removed++;
    }
    const running = (await queue.getJobs(['active'])).filter((j) => isTick(j.id));
    if (running.length === 0) {
      const left = (await queue.getJobs([...REMOVABLE_STATES])).some((j) => isTick(j.id));
      if (!left) return removed;
    } else if (Date.now() > deadline) {
      throw new Error(
        `tick ${running[0]!.id} of schedule ${name} is still running after ${timeoutMs / 1000} s; ` +
          'run "kpress schedule remove" again once it has finished to remove its record',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
