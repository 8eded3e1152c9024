--[[
  Marks the run's listing complete.
  KEYS[1] run hash
  ARGV[1] jobs queued in total ('' keeps the count the batches recorded)
  ARGV[2] now (ms)
  Returns 1 when the run is complete at this moment (every job already finished, or none).
]]
--- @include "includes/completion-check"
redis.call('HSET', KEYS[1], 'listingDone', '1')
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'jobs', ARGV[1]) end
redis.call('HDEL', KEYS[1], 'listingPaused', 'maxQueued', 'openClaims')
return completionCheck()
