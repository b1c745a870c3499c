--[[
forgetLifted: take a key off the built-in limiter's index of limited keys once every limit on it
has lifted (each layer's expiresAt passed; decided against `now`, not key expiry). Lifted
limits stay in the index until retention deletes their history (deleteLimiterHistory), so a
list of what is limited now (GET /v1/containment) would wade through them; it forgets those it
skips. The rule and its history stay for retention; a later setLimit indexes the key again. A
key whose rule has any layer in force, or never expires, stays.

KEYS[1] rule  HASH the key's limit (see setLimit): expiresAt, under (JSON layers)
KEYS[2] index ZSET limited key -> time its limit was set

ARGV[1] the limited key
ARGV[2] now, epoch ms

Returns 1 when the key was taken off the index, else 0.
]]
local now = tonumber(ARGV[2])
local r = redis.call('HMGET', KEYS[1], 'expiresAt', 'under')
local function lifted(expiresAt)
  local e = tonumber(expiresAt or '0') or 0
  return e > 0 and e <= now
end
-- No rule at all: nothing is limited, the entry is stale.
if r[1] then
  if not lifted(r[1]) then return 0 end
  if r[2] and r[2] ~= '' then
    for _, l in ipairs(cjson.decode(r[2])) do
      if not lifted(l.expiresAt) then return 0 end
    end
  end
end
return redis.call('ZREM', KEYS[2], ARGV[1])
