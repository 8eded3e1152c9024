/**
 * Lua scripts that keep run counters exact under at-least-once delivery: a job's outcome is
 * counted once (its id is added to a finished set first), and whoever completes the run —
 * the last job's worker or the producer closing the listing — is told so exactly once.
 */

/** Shared tail: is the run complete now, and are we the first to see it? */
const COMPLETION_CHECK = `
local state = redis.call('HMGET', KEYS[1], 'jobs', 'done', 'failed', 'listingDone', 'finalized', 'cancelledJobs', 'keptOriginal')
local jobs = tonumber(state[1] or '0') or 0
local finished = (tonumber(state[2] or '0') or 0) + (tonumber(state[3] or '0') or 0) + (tonumber(state[6] or '0') or 0)
  + (tonumber(state[7] or '0') or 0)
if state[4] == '1' and finished >= jobs and state[5] ~= '1' then
  redis.call('HSET', KEYS[1], 'finalized', '1', 'finishedAt', ARGV[#ARGV])
  return 1
end
return 0
`;

/**
 * KEYS: run hash, finished shard, active set, failures list, results shard.
 * ARGV: jobId, status (done|failed|cancelledJobs|keptOriginal), bytesIn, bytesOut, psnr or '', result JSON, failure JSON,
 *       max failures kept, TTL (s) of the per-job keys, now (ms).
 * Returns {counted (0|1), completed (0|1)}: completed is 1 for the call that completed the run,
 * and again for a retried job while the completed run's report is not marked written.
 */
export const FINISH_JOB = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  -- Counted before: a retry after a crash. If the run completed but its report was never
  -- marked written (the finalizer may have died), let this caller finalize it again.
  local state = redis.call('HMGET', KEYS[1], 'finalized', 'reported')
  if state[1] == '1' and state[2] ~= '1' then return {0, 1} end
  return {0, 0}
end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
if ARGV[2] == 'done' then
  redis.call('HINCRBY', KEYS[1], 'bytesIn', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'bytesOut', ARGV[4])
  if ARGV[5] ~= '' then
    redis.call('HINCRBYFLOAT', KEYS[1], 'psnrSum', ARGV[5])
    redis.call('HINCRBY', KEYS[1], 'psnrCount', 1)
  end
  redis.call('RPUSH', KEYS[5], ARGV[6])
elseif ARGV[2] == 'keptOriginal' then
  -- Listed with the results (the report shows them apart), not added to the bytes written.
  redis.call('RPUSH', KEYS[5], ARGV[6])
elseif ARGV[2] == 'failed' then
  if redis.call('LLEN', KEYS[4]) < tonumber(ARGV[8]) then redis.call('RPUSH', KEYS[4], ARGV[7]) end
end
redis.call('EXPIRE', KEYS[2], ARGV[9])
redis.call('EXPIRE', KEYS[4], ARGV[9])
redis.call('EXPIRE', KEYS[5], ARGV[9])
local function complete()
${COMPLETION_CHECK}
end
return {1, complete()}
`;

/**
 * KEYS: run hash. ARGV: jobs queued in total ('' keeps the count the batches recorded), now (ms).
 * Marks the listing complete. Returns 1 when the run is complete at this moment (every job
 * already finished, or none).
 */
export const CLOSE_LISTING = `
redis.call('HSET', KEYS[1], 'listingDone', '1')
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'jobs', ARGV[1]) end
redis.call('HDEL', KEYS[1], 'listingPaused', 'maxQueued')
${COMPLETION_CHECK}
`;

/**
 * KEYS: run hash. ARGV: now (ms), how old (ms) a heartbeat must be for its producer to count as
 * gone. Hands a run whose listing stopped (producer killed, or listing failed) to a new
 * producer: the run is `listing` again with a fresh heartbeat. Returns {code, checkpoint}:
 * code 1 resumed; -1 no such run; -2 its listing is complete; -3 cancelled; -4 its producer is
 * alive (heartbeat younger than ARGV[2]); -5 completed.
 */
export const RESUME_LISTING = `
local s = redis.call('HMGET', KEYS[1], 'runId', 'listingDone', 'cancelled', 'finalized', 'state', 'heartbeatAt', 'checkpoint')
if not s[1] then return {-1, ''} end
if s[4] == '1' then return {-5, ''} end
if s[3] == '1' then return {-3, ''} end
if s[2] == '1' then return {-2, ''} end
if s[5] ~= 'failed' and tonumber(ARGV[1]) - (tonumber(s[6] or '0') or 0) <= tonumber(ARGV[2]) then return {-4, s[6] or ''} end
redis.call('HDEL', KEYS[1], 'state', 'stateReason', 'listingPaused', 'maxQueued')
redis.call('HSET', KEYS[1], 'heartbeatAt', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'resumes', 1)
return {1, s[7] or ''}
`;

/**
 * KEYS: seen shard (a hash source → the listing position that first named it). ARGV: source,
 * position, TTL (s). Returns 1 the first time the run sees the source — and again for the same
 * position, when a resumed listing repeats the batch its killed producer had not committed.
 */
export const MARK_SEEN = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 1 end
return 0
`;

/**
 * KEYS: run hash. ARGV: reason, now (ms). Cancels a run that has not completed (a failed run
 * too: the jobs its listing queued stop). Returns 1 when this call cancelled it, 0 when it was
 * complete or cancelled already, -1 when there is no such run.
 */
export const CANCEL_RUN = `
local state = redis.call('HMGET', KEYS[1], 'finalized', 'state', 'cancelled', 'runId')
if not state[4] then return -1 end
if state[1] == '1' or state[3] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'cancelled', '1', 'stateReason', ARGV[1], 'cancelledAt', ARGV[2])
return 1
`;

/**
 * KEYS: run hash. ARGV: reason. Marks a run that has not completed as failed (its listing could
 * not finish). Returns 1 when marked, 0 when the run had completed or settled already.
 */
export const FAIL_RUN = `
local state = redis.call('HMGET', KEYS[1], 'finalized', 'state', 'cancelled', 'runId')
if not state[4] then return -1 end
if state[1] == '1' or state[2] == 'failed' or state[3] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'failed', 'stateReason', ARGV[1])
return 1
`;

/**
 * KEYS: the source → destination pair's key. ARGV: new run id, the run id the caller found
 * there ('' for none), TTL (s). Takes the pair for the new run only if it still holds what the
 * caller checked, so two producers racing for one pair cannot both win. Returns 1 or 0.
 */
export const TAKE_PAIR = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;
