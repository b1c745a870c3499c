--[[
deleteLimiterHistory: delete the set/clear history of a limited key, with its rule if that has
expired. A key whose rule still applies keeps its history; it is re-dated to now so it is
looked at again one retention period later instead of blocking the sweep.

KEYS[1] history    LIST the key's set/clear entries
KEYS[2] rule       HASH the key's limit (absent when cleared)
KEYS[3] histories  ZSET limited key -> time of its last set/clear (ms)
KEYS[4] rules      ZSET limited key -> time its limit was set

ARGV[1] limited key
ARGV[2] now, epoch ms

Returns 1 deleted, 0 kept (its rule still applies).
]]
local now = tonumber(ARGV[2])
local mode = redis.call('HGET', KEYS[2], 'mode')
if mode then
  local expiresAt = tonumber(redis.call('HGET', KEYS[2], 'expiresAt') or '0')
  if expiresAt == 0 or expiresAt > now then
    redis.call('ZADD', KEYS[3], now, ARGV[1])
    return 0
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
