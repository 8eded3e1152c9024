--[[
  Marks a run that has not completed as failed (its listing could not finish).
  KEYS[1] run hash
  ARGV[1] reason
  Returns 1 when marked, 0 when the run had completed or settled already, -1 when there is no
  such run.
]]
local state = redis.call('HMGET', KEYS[1], 'finalized', 'state', 'cancelled', 'runId')
if not state[4] then return -1 end
if state[1] == '1' or state[2] == 'failed' or state[3] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'failed', 'stateReason', ARGV[1])
return 1
