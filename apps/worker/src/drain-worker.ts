import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { settleWithin } from './settle-within.js';

/** An async function whose calls still running can be counted. */
export interface InFlightCounter<A extends unknown[], R> {
  readonly run: (...args: A) => Promise<R>;
  readonly inFlight: () => number;
}

/** Wraps `fn` (a BullMQ processor) to count the calls that have not settled yet. */
export function countInFlight<A extends unknown[], R>(fn: (...args: A) => Promise<R>): InFlightCounter<A, R> {
  let running = 0;
  return {
    run: async (...args) => {
      running++;
      try {
        return await fn(...args);
      } finally {
        running--;
      }
    },
    inFlight: () => running,
  };
}

export interface DrainOptions {
  /** How long in-flight jobs may take to finish. */
  readonly deadlineMs: number;
  /** Jobs of this worker still being processed. */
  readonly inFlight: () => number;
  readonly logger: Logger;
  /** Names the worker in logs, e.g. "image worker". */
  readonly name: string;
}

export interface DrainResult {
  /** False when jobs were still being processed at the deadline: they are abandoned. */
  readonly drained: boolean;
  /** False when the worker had not closed by the deadline: it may still hold connections and jobs. */
  readonly closed: boolean;
}

/**
 * Stops `worker` taking jobs and waits at most `deadlineMs` for it to close. BullMQ's close()
 * has no time bound (with Redis gone it waits for a reconnect forever, and a later close(true)
 * returns the same promise), so the deadline is kept here.
 *
 * A worker that did not close (`closed: false`) is best ended by ending the process: its jobs'
 * locks then lapse and another worker takes them over. Disconnecting its Redis connection under
 * it instead makes BullMQ retry the job's completion without pause, starving the event loop.
 */
export async function drainWorker(worker: Pick<Worker, 'close'>, options: DrainOptions): Promise<DrainResult> {
  const { logger, deadlineMs, name } = options;
  const closing = await settleWithin(worker.close(), deadlineMs);
  switch (closing.outcome) {
    case 'fulfilled':
      return { drained: true, closed: true };
    case 'rejected':
      logger.warn({ err: closing.error, worker: name }, 'closing the worker failed');
      return { drained: options.inFlight() === 0, closed: false };
    case 'timed-out': {
      const abandoned = options.inFlight();
      if (abandoned > 0) {
        logger.warn(
          { worker: name, abandoned, deadlineMs },
          'deadline reached with jobs in flight: abandoning them to other workers',
        );
      } else {
        logger.warn(
          { worker: name, deadlineMs },
          'deadline reached with no job in flight, but the worker has not closed (is Redis reachable?)',
        );
      }
      return { drained: abandoned === 0, closed: false };
    }
  }
}
