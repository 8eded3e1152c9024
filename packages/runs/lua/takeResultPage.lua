--[[
  Gives the caller a page of the run's results to write to S3. A page is numbered once and its
  entries never change: writing it twice writes the same object. First a page taken earlier and
  not marked written for ARGV[4] ms (its writer died), else the next ARGV[1] results of the
  buffer (all of them with ARGV[2] = '1'), moved into the pending pages hash.
  KEYS[1] run hash (field resultPages: pages numbered so far)
  KEYS[2] result buffer
  KEYS[3] pending pages (field N: page N's lines; field at:N: when it was taken)
  ARGV[1] page size (results)
  ARGV[2] '1' to take whatever the buffer holds, however few
  ARGV[3] now (ms)
  ARGV[4] how long (ms) a taken page may stay unwritten before another writer takes it
  ARGV[5] TTL (s) of the per-run keys
  Returns {page number, lines joined by newlines}, or {-1, ''} when there is nothing to write.
]]
local now = tonumber(ARGV[3])
for _, field in ipairs(redis.call('HKEYS', KEYS[3])) do
  if string.sub(field, 1, 3) == 'at:' then
    local takenAt = tonumber(redis.call('HGET', KEYS[3], field)) or 0
    if now - takenAt >= tonumber(ARGV[4]) then
      local page = string.sub(field, 4)
      redis.call('HSET', KEYS[3], field, ARGV[3])
      return {tonumber(page), redis.call('HGET', KEYS[3], page) or ''}
    end
  end
end
local size = tonumber(ARGV[1])
local buffered = redis.call('LLEN', KEYS[2])
if buffered == 0 or (buffered < size and ARGV[2] ~= '1') then return {-1, ''} end
local take = buffered
if ARGV[2] ~= '1' then take = size end
local lines = redis.call('LRANGE', KEYS[2], 0, take - 1)
redis.call('LTRIM', KEYS[2], take, -1)
local page = redis.call('HINCRBY', KEYS[1], 'resultPages', 1) - 1
local body = table.concat(lines, '\n')
redis.call('HSET', KEYS[3], tostring(page), body, 'at:' .. page, ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[5])
return {page, body}
