/** Runs: per-run counters, outcomes and completion in Redis, exact under at-least-once delivery. */
export {
  createRunStore,
  MAX_FAILURES_KEPT,
  RUN_TTL_SECONDS,
  type FinishResult,
  type JobFailureRecord,
  type JobOutcome,
  type JobResultRecord,
  type RunDefinition,
  type RunSnapshot,
  type RunStore,
} from './run-store.js';
export { runKeys, SHARDS, shardOf } from './run-keys.js';
