--[[
  Counts a job's outcome once under at-least-once delivery: the job's bit in the run's finished
  bitmap (by the ordinal the producer gave it) is set first; a job queued before ordinals existed
  uses a set of finished job ids instead. A result joins the run's result buffer, which is spilled
  to the run's result pages in S3 (takeResultPage) page by page.
  KEYS[1] run hash
  KEYS[2] finished bitmap (bit = job ordinal)
  KEYS[3] active set
  KEYS[4] failures list
  KEYS[5] result buffer
  KEYS[6] finished job ids (set; jobs without an ordinal only)
  ARGV[1] job id
  ARGV[2] job ordinal, or '' for a job queued without one
  ARGV[3] counter (done|failed|cancelledJobs|keptOriginal)
  ARGV[4] bytesIn
  ARGV[5] bytesOut
  ARGV[6] psnr or ''
  ARGV[7] result JSON ('' for none)
  ARGV[8] failure JSON ('' for none)
  ARGV[9] most failures kept
  ARGV[10] TTL (s) of the per-run keys
  ARGV[11] now (ms)
  Returns {counted (0|1), completed (0|1), results buffered}: completed is 1 for the call that
  completed the run, and again for a retried job while the completed run's report is not marked
  written.
]]
--- @include "includes/completion-check"
local first
if ARGV[2] ~= '' then
  first = redis.call('SETBIT', KEYS[2], tonumber(ARGV[2]), 1) == 0
else
  first = redis.call('SADD', KEYS[6], ARGV[1]) == 1
  redis.call('EXPIRE', KEYS[6], ARGV[10])
end
if not first then
  -- Counted before: a retry after a crash. If the run completed but its report was never
  -- marked written (the finalizer may have died), let this caller finalize it again.
  local state = redis.call('HMGET', KEYS[1], 'finalized', 'reported')
  if state[1] == '1' and state[2] ~= '1' then return {0, 1, 0} end
  return {0, 0, 0}
end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], ARGV[3], 1)
if ARGV[3] == 'done' then
  redis.call('HINCRBY', KEYS[1], 'bytesIn', ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'bytesOut', ARGV[5])
  if ARGV[6] ~= '' then
    redis.call('HINCRBYFLOAT', KEYS[1], 'psnrSum', ARGV[6])
    redis.call('HINCRBY', KEYS[1], 'psnrCount', 1)
  end
elseif ARGV[3] == 'failed' then
  if redis.call('LLEN', KEYS[4]) < tonumber(ARGV[9]) then redis.call('RPUSH', KEYS[4], ARGV[8]) end
  redis.call('EXPIRE', KEYS[4], ARGV[10])
end
-- Done and kept-original jobs are listed with the results (the report shows them apart).
local buffered = 0
if ARGV[7] ~= '' then
  buffered = redis.call('RPUSH', KEYS[5], ARGV[7])
  redis.call('EXPIRE', KEYS[5], ARGV[10])
end
redis.call('EXPIRE', KEYS[2], ARGV[10])
return {1, completionCheck(), buffered}
