import { IMAGE_QUEUE, jobIdFor } from '@kpress/job-contract';
import { QueueEvents } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { pause } from './pause.js';

/**
 * What a run watcher waits on between two reads of the run: the next event that may have changed
 * it, or a timeout (for changes no job event announces: a listing that ends, a cancel).
 */
export interface RunWake {
  /** Resolves on the next event of the run's jobs since the last call, or after `maxMs`, or on abort. */
  next(maxMs: number, signal: AbortSignal | undefined): Promise<void>;
  close(): Promise<void>;
}

/** A wake with no events: a plain poll every `maxMs`. */
export const POLL_ONLY: RunWake = {
  next: (maxMs, signal) => pause(maxMs, signal),
  close: () => Promise.resolve(),
};

/**
 * Two reads of a run are at least this far apart however fast its jobs finish, so a watcher of a
 * busy run costs Redis a bounded number of reads a second.
 */
const MIN_GAP_MS = 100;

/**
 * Wakes a watcher when a job of the run completes or fails, from BullMQ's event stream of the
 * image queue (one blocking XREAD on a connection of its own), so `--wait` learns of a run's end
 * as its last job finishes rather than at the next poll. Any event stream trouble (Redis
 * restarting) leaves the timeout in charge: events only shorten the wait, never lengthen it.
 */
export async function wakeOnJobEvents(connection: Redis | Cluster, prefix: string, runId: string): Promise<RunWake> {
  const blocking = blockingCopyOf(connection);
  blocking.on('error', () => undefined);
  const events = new QueueEvents(IMAGE_QUEUE, { connection: blocking, prefix, autorun: false });
  events.on('error', () => undefined);
  const ownJob = jobIdFor(runId, '');
  let pending = false;
  let wakeUp: (() => void) | null = null;
  let lastWake = 0;
  const onEvent = ({ jobId }: { jobId: string }): void => {
    if (!jobId.startsWith(ownJob)) return;
    pending = true;
    wakeUp?.();
  };
  events.on('completed', onEvent);
  events.on('failed', onEvent);
  void events.run().catch(() => undefined);
  await events.waitUntilReady().catch(() => undefined);

  return {
    async next(maxMs, signal) {
      if (!pending) {
        const timeout = new AbortController();
        const stop = (): void => timeout.abort();
        signal?.addEventListener('abort', stop, { once: true });
        wakeUp = stop;
        await pause(maxMs, timeout.signal);
        wakeUp = null;
        signal?.removeEventListener('abort', stop);
      }
      pending = false;
      const sinceLast = Date.now() - lastWake;
      if (sinceLast < MIN_GAP_MS && !signal?.aborted) await pause(MIN_GAP_MS - sinceLast, signal);
      lastWake = Date.now();
    },
    async close() {
      await events.close().catch(() => undefined);
      blocking.disconnect();
    },
  };
}

/**
 * A connection of the wake's own for BullMQ's blocking read of the event stream, which must retry
 * its requests (maxRetriesPerRequest null) where a CLI's connection fails fast.
 */
function blockingCopyOf(connection: Redis | Cluster): Redis | Cluster {
  if (connection instanceof Cluster) {
    return connection.duplicate(undefined, {
      redisOptions: { ...connection.options.redisOptions, maxRetriesPerRequest: null },
    });
  }
  return connection.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
}
