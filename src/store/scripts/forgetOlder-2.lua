--[[
forgetOlder: forget, in a bounded step, the members of a time-scored ZSET recorded before a
horizon, with their fields in the companion HASH. Used for the ingest dedupe memory (seen /
where) and the incident match-id memory (bymatch:time / bymatch); their writers forget as they
go, and the retention sweeper finishes the job when they are quiet.

KEYS[1] times  ZSET member -> time recorded (ms)
KEYS[2] values HASH member -> value

ARGV[1] horizon, epoch ms: members recorded before it are forgotten
ARGV[2] at most this many members

Returns the number of members forgotten.
]]
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
-- unpack() is bounded by Lua's stack, so forget in chunks.
for i = 1, #old, 500 do
  local chunk = {unpack(old, i, math.min(i + 499, #old))}
  redis.call('ZREM', KEYS[1], unpack(chunk))
  redis.call('HDEL', KEYS[2], unpack(chunk))
end
return #old
