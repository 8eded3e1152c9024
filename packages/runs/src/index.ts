/** Runs: per-run counters, outcomes and completion in Redis, exact under at-least-once delivery. */
export { createRunStore, type RunStore } from './run-store.js';
export {
  MAX_FAILURES_KEPT,
  MAX_ORDINAL,
  RUN_TTL_SECONDS,
  type FinishResult,
  type JobFailureRecord,
  type JobOutcome,
  type JobResultRecord,
  type OutputClaim,
  type RunDefinition,
  type RunFlags,
  type RunSnapshot,
} from './run-records.js';
export { createRunListing, type ListingBatch, type ListingCounts, ResumeRefusedError, type RunListing } from './run-listing.js';
export { runKeys, SHARDS, shardOf } from './run-keys.js';
export { PAGE_STALE_MS, RESULT_PAGE_SIZE, type ResultPageStore } from './result-pages.js';
export { loadLua, luaScript, type LuaScript, type RedisClient } from './lua-script.js';
export {
  createFailureMemory,
  FAILURE_MEMORY_TTL_SECONDS,
  type FailureLookup,
  type FailureMemory,
  type RememberedFailure,
} from './failure-memory.js';
export { RunConflictError, RunExistsError } from './run-errors.js';
export { FINAL_STATES, HEARTBEAT_INTERVAL_MS, LISTING_STALE_MS, type RunState, runStateOf } from './run-state.js';
