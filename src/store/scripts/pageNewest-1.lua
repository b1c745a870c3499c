--[[
pageNewest: one page of a time-scored ZSET, highest score first, read in one atomic step for a
caller that pages in an order of its own among equal scores (store/newest-first.ts): every
member scored `from` (the caller drops those it has shown), then `count` scored below it, then
the rest of the last one's score. Atomic, so a member removed between the reads can neither
leave a gap nor end the list early.

KEYS[1] index ZSET member -> time (ms)

ARGV[1] count, at least 1
ARGV[2] from: the score of the page before's last member, or '' to start at the top

Returns {more, member, score, member, score, …}: more = 1 when members scored below the lowest
one returned may follow, else 0.
]]
local count = tonumber(ARGV[1])
local out = {0}
if ARGV[2] ~= '' then
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])) do
    out[#out + 1] = member
    out[#out + 1] = ARGV[2]
  end
end
local top = ARGV[2] == '' and '+inf' or ('(' .. ARGV[2])
local below = redis.call('ZREVRANGEBYSCORE', KEYS[1], top, '-inf', 'WITHSCORES', 'LIMIT', 0, count)
local n = #below / 2
if n < count then
  for i = 1, #below do out[#out + 1] = below[i] end
  return out
end
local last = below[#below]
for i = 1, #below, 2 do
  if below[i + 1] ~= last then
    out[#out + 1] = below[i]
    out[#out + 1] = below[i + 1]
  end
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], last, last)) do
  out[#out + 1] = member
  out[#out + 1] = last
end
out[1] = 1
return out
