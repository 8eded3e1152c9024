--[[
  Hands a run whose listing stopped (producer killed, or listing failed) to a new producer: the
  run is `listing` again with a fresh heartbeat.
  KEYS[1] run hash
  ARGV[1] now (ms)
  ARGV[2] how old (ms) a heartbeat must be for its producer to count as gone
  Returns {code, checkpoint}: code 1 resumed; -1 no such run; -2 its listing is complete;
  -3 cancelled; -4 its producer is alive (heartbeat younger than ARGV[2]); -5 completed.
]]
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
