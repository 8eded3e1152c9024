--[[
  A manifest run's first sight of a source.
  KEYS[1] seen shard (a hash source → the listing position that first named it)
  ARGV[1] source
  ARGV[2] position
  ARGV[3] TTL (s)
  Returns 1 the first time the run sees the source — and again for the same position, when a
  resumed listing repeats the batch its killed producer had not committed.
]]
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 1 end
return 0
