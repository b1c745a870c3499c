--[[
appendEvents: durably accept a batch of canonical events, skipping ones already seen.
Atomic for the whole batch, so a request is either fully logged or not at all.

KEYS[1]  seen   ZSET  member = "<source>/<event id>", score = accept time (ms)
KEYS[2]  where  HASH  "<source>/<event id>" -> stream entry id (for look-ups by id)
KEYS[3]  log    STREAM  field "e" = canonical event JSON

ARGV[1]  now, epoch ms
ARGV[2]  dedupe window, ms: ids older than now - window are forgotten (at most max(1000, 2n)
         per call, so forgetting always outpaces remembering)
ARGV[3]  n, number of events
ARGV[4 + 2i], ARGV[5 + 2i]  (i = 0 .. n-1): member, event JSON

Returns an array of n stream entry ids; a duplicate's entry is "dup:<stream id of the original>".
]]
local now = tonumber(ARGV[1])
local horizon = now - tonumber(ARGV[2])

local n = tonumber(ARGV[3])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. horizon, 'LIMIT', 0, math.max(1000, 2 * n))
-- unpack() is bounded by Lua's stack, so forget in chunks.
for i = 1, #old, 500 do
  local chunk = {unpack(old, i, math.min(i + 499, #old))}
  redis.call('ZREM', KEYS[1], unpack(chunk))
  redis.call('HDEL', KEYS[2], unpack(chunk))
end

local out = {}
for i = 0, n - 1 do
  local member = ARGV[4 + 2 * i]
  local payload = ARGV[5 + 2 * i]
  if redis.call('ZSCORE', KEYS[1], member) then
    out[#out + 1] = 'dup:' .. (redis.call('HGET', KEYS[2], member) or '')
  else
    local seq = redis.call('XADD', KEYS[3], '*', 'e', payload)
    redis.call('ZADD', KEYS[1], now, member)
    redis.call('HSET', KEYS[2], member, seq)
    out[#out + 1] = seq
  end
end
return out
