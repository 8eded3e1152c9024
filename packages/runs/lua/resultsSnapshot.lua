--[[
  Where every result of the run is, at one moment: pages numbered so far (in S3 unless still
  pending), the pending pages' lines, and the buffer. Results moved after this call came from
  the buffer returned here, so reading pages 0..N-1 then the buffer sees each result once.
  KEYS[1] run hash
  KEYS[2] result buffer
  KEYS[3] pending pages
  Returns {pages numbered, {page, lines, page, lines, ...}, {buffered result, ...}}.
]]
local pages = tonumber(redis.call('HGET', KEYS[1], 'resultPages') or '0') or 0
local pending = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[3])) do
  if string.sub(field, 1, 3) ~= 'at:' then
    table.insert(pending, field)
    table.insert(pending, redis.call('HGET', KEYS[3], field) or '')
  end
end
return {pages, pending, redis.call('LRANGE', KEYS[2], 0, -1)}
