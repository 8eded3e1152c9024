-- Shared tail: is the run complete now, and are we the first to see it? KEYS[1] is the run hash,
-- ARGV[#ARGV] the time (ms). Returns 1 for the one call that completed the run, else 0.
local function completionCheck()
  local state = redis.call('HMGET', KEYS[1], 'jobs', 'done', 'failed', 'listingDone', 'finalized', 'cancelledJobs', 'keptOriginal')
  local jobs = tonumber(state[1] or '0') or 0
  local finished = (tonumber(state[2] or '0') or 0) + (tonumber(state[3] or '0') or 0) + (tonumber(state[6] or '0') or 0)
    + (tonumber(state[7] or '0') or 0)
  if state[4] == '1' and finished >= jobs and state[5] ~= '1' then
    redis.call('HSET', KEYS[1], 'finalized', '1', 'finishedAt', ARGV[#ARGV])
    return 1
  end
  return 0
end
