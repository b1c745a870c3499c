--[[
clearLimit: remove a key's limit in the built-in limiter, exactly once per effect key.

KEYS[1] rule     HASH the key's limit
KEYS[2] history  LIST newest-first JSON of every set/clear on this key
KEYS[3] index    ZSET limited key -> time set
KEYS[4] ledger   HASH effect ledger entry
KEYS[5] histories ZSET limited key -> time of its last set/clear (ms), for retention
KEYS[6] effects  ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key
ARGV[3] limited key
ARGV[4] who cleared it
ARGV[5] reason
ARGV[6] the connector instance that acts, JSON ('' or absent = not named here): the effect's
        ledger entry gets it as memo:connector unless it has one (what the ledger's separate naming
        writes), in the same atomic step as the effect

Returns JSON {applied, key, existed}: existed = a limit on the key was in force at `now` (a
rule whose every layer has lifted is deleted all the same, and did not exist).
]]
if ARGV[6] and ARGV[6] ~= '' then redis.call('HSETNX', KEYS[4], 'memo:connector', ARGV[6]) end
local done = redis.call('HGET', KEYS[4], 'result')
if done then
  local prior = cjson.decode(done)
  prior.applied = false
  return cjson.encode(prior)
end
local now = tonumber(ARGV[1])
local function live(expiresAt)
  local e = tonumber(expiresAt or '0') or 0
  return e == 0 or e > now
end
local r = redis.call('HMGET', KEYS[1], 'key', 'expiresAt', 'under')
local existed = false
if r[1] then
  existed = live(r[2])
  if not existed and r[3] and r[3] ~= '' then
    for _, l in ipairs(cjson.decode(r[3])) do
      if live(l.expiresAt) then existed = true break end
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('LPUSH', KEYS[2], cjson.encode({ op = 'clear', at = now, effect = ARGV[2], existed = existed, by = ARGV[4], reason = ARGV[5] }))
redis.call('LTRIM', KEYS[2], 0, 999)
redis.call('ZADD', KEYS[5], now, ARGV[3])
local encoded = cjson.encode({ applied = true, key = ARGV[3], existed = existed })
redis.call('HSET', KEYS[4], 'status', 'done', 'result', encoded, 'at', now, 'run', ARGV[4])
redis.call('ZADD', KEYS[6], now, ARGV[2])
return encoded
