/** The kpress producer: main.ts holds what a producer process opens (openProducer) and the schedule ticks; listing, enqueue decisions, progress. */
export {
  BATCH_SIZE,
  DEFAULT_MAX_QUEUED,
  enqueueRun,
  RunRefusedError,
  type EnqueueDeps,
  type EnqueueProgress,
  type EnqueueRequest,
} from './enqueue-run.js';
export { HEAD_CONCURRENCY } from './enqueue-checks.js';
export { formatDuration, formatStatus, pace, progressBar, progressLine, watchRun, type WatchOptions } from './run-progress.js';
export { POLL_ONLY, type RunWake, wakeOnJobEvents } from './run-wake.js';
export { PRODUCER_NODE_OPTIONS } from './node-options.js';
export { objectsFromManifest, objectsUnderPrefix, type SourceObject } from './source-objects.js';
export { type CancelResult } from './cancel-run.js';
export { objectsFromFailures } from './failed-sources.js';
export { type ResumePoint, takeOverListing } from './resume-run.js';
export { createRunShards, hashedIndex, type RunShard, type RunShards } from './run-shards.js';
export {
  type EnqueueSinks,
  openProducer,
  type Producer,
  type ProducerOptions,
  type ScheduleTicks,
  startScheduleTicks,
} from './main.js';
