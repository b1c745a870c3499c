--[[
deleteLimiterHistory: delete the set/clear history of a limited key, with its rule if every
limit in it has lifted (the one on top and those it went over, `under`: see setLimit). A key
with a limit that still applies keeps its history; it is re-dated to now so it is looked at
again one retention period later instead of blocking the sweep.

KEYS[1] history    LIST the key's set/clear entries
KEYS[2] rule       HASH the key's limit (absent when cleared)
KEYS[3] histories  ZSET limited key -> time of its last set/clear (ms)
KEYS[4] rules      ZSET limited key -> time its limit was set

ARGV[1] limited key
ARGV[2] now, epoch ms

Returns 1 deleted, 0 kept (a limit in its rule still applies).
]]
local now = tonumber(ARGV[2])
local function live(e) return e == 0 or e > now end
local r = redis.call('HMGET', KEYS[2], 'mode', 'expiresAt', 'under')
if r[1] then
  local applies = live(tonumber(r[2] or '0'))
  if not applies and r[3] and r[3] ~= '' then
    for _, l in ipairs(cjson.decode(r[3])) do
      if live(tonumber(l.expiresAt)) then
        applies = true
        break
      end
    end
  end
  if applies then
    redis.call('ZADD', KEYS[3], now, ARGV[1])
    return 0
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
