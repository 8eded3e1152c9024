import type { RunStore } from '@kpress/runs';
import { createImageWorker, type ImageWorker, type ImageWorkerOptions } from './image-worker.js';

export interface ShardedImageWorkerOptions extends Omit<ImageWorkerOptions, 'prefix' | 'runs' | 'onJobsChanged'> {
  /** Every shard of KPRESS_PREFIX: its prefix, and the store of the runs placed on it. */
  readonly shards: readonly { readonly prefix: string; readonly runs: RunStore }[];
}

/**
 * Takes image jobs from every shard: one BullMQ Worker per shard prefix, all feeding the same
 * compress processes. They share `concurrency`: each time a job starts or ends, a shard's worker
 * may fetch as many more as the process has room for. A worker idle on an empty shard keeps one
 * fetch open (BullMQ needs at least one), so a process holds at most concurrency + shards - 1
 * jobs; the compress pool runs `concurrency` of them at once and the others wait their turn.
 * One shard is exactly the single worker it always was.
 */
export function createShardedImageWorker(options: ShardedImageWorkerOptions): ImageWorker {
  const { shards, ...common } = options;
  if (shards.length === 0) throw new RangeError('createShardedImageWorker needs at least one shard');
  if (shards.length === 1) return createImageWorker({ ...common, prefix: shards[0]!.prefix, runs: shards[0]!.runs });
  const workers: ImageWorker[] = [];
  const share = (): void => {
    const free = common.concurrency - workers.reduce((sum, w) => sum + w.inFlight(), 0);
    for (const w of workers) w.worker.concurrency = Math.max(1, w.inFlight() + free);
  };
  for (const shard of shards) {
    workers.push(createImageWorker({ ...common, prefix: shard.prefix, runs: shard.runs, onJobsChanged: share }));
  }
  return {
    worker: workers[0]!.worker,
    idleSeconds: () => Math.min(...workers.map((w) => w.idleSeconds())),
    inFlight: () => workers.reduce((sum, w) => sum + w.inFlight(), 0),
    async shutdown(deadlineMs) {
      const results = await Promise.all(workers.map((w) => w.shutdown(deadlineMs)));
      return { drained: results.every((r) => r.drained), closed: results.every((r) => r.closed) };
    },
  };
}
