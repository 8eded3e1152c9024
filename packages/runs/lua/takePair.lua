--[[
  Takes a source → destination pair for a new run only if it still holds what the caller
  checked, so two producers racing for one pair cannot both win.
  KEYS[1] the pair's key
  ARGV[1] new run id
  ARGV[2] the run id the caller found there ('' for none)
  ARGV[3] TTL (s)
  Returns 1 or 0.
]]
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
