--[[
  Cancels a run that has not completed (a failed run too: the jobs its listing queued stop).
  KEYS[1] run hash
  ARGV[1] reason
  ARGV[2] now (ms)
  Returns 1 when this call cancelled it, 0 when it was complete or cancelled already, -1 when
  there is no such run.
]]
local state = redis.call('HMGET', KEYS[1], 'finalized', 'state', 'cancelled', 'runId')
if not state[4] then return -1 end
if state[1] == '1' or state[3] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'cancelled', '1', 'stateReason', ARGV[1], 'cancelledAt', ARGV[2])
return 1
