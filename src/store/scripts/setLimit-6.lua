--[[
setLimit: throttle or block a key in the built-in limiter, exactly once per effect key.
The effect-ledger entry is written in the same atomic step as the limit, so a retried or
crash-resumed action can never apply (or log) the same limit twice.

KEYS[1] rule     HASH the key's limit: mode, count, windowMs, expiresAt, setAt, setBy, reason
KEYS[2] history  LIST newest-first JSON of every set/clear on this key (capped at 1000)
KEYS[3] index    ZSET limited key -> time its limit was set (ms)
KEYS[4] ledger   HASH effect ledger entry: status, result, at, run
KEYS[5] histories ZSET limited key -> time of its last set/clear (ms), for retention
KEYS[6] effects  ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key (idempotency key of the action)
ARGV[3] limited key
ARGV[4] mode: "throttle" | "block"
ARGV[5] allowed requests per window (throttle), else 0
ARGV[6] window, ms (throttle), else 0
ARGV[7] expiry, epoch ms; 0 = never. Checked against `now` on every decision, not via TTL.
ARGV[8] who set it (run id or principal)
ARGV[9] reason
ARGV[10] the connector instance that acts, JSON ('' or absent = not named here): the effect's
        ledger entry gets it as memo:connector unless it has one (what the ledger's separate naming
        writes), in the same atomic step as the effect

Returns JSON {applied, key, mode, count, windowMs, expiresAt, setAt}; applied=false when the
ledger shows this effect key already ran (the stored result is returned).
]]
if ARGV[10] and ARGV[10] ~= '' then redis.call('HSETNX', KEYS[4], 'memo:connector', ARGV[10]) end
local done = redis.call('HGET', KEYS[4], 'result')
if done then
  local prior = cjson.decode(done)
  prior.applied = false
  return cjson.encode(prior)
end
local now = tonumber(ARGV[1])
local expiresAt = tonumber(ARGV[7])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'key', ARGV[3], 'mode', ARGV[4], 'count', ARGV[5], 'windowMs', ARGV[6],
  'expiresAt', expiresAt, 'setAt', now, 'setBy', ARGV[8], 'reason', ARGV[9], 'effect', ARGV[2])
if expiresAt > 0 then
  -- Cleanup only: decisions compare expiresAt with ARGV time, so correctness never rests on TTL.
  redis.call('PEXPIREAT', KEYS[1], expiresAt + 86400000)
else
  redis.call('PERSIST', KEYS[1])
end
local result = {
  applied = true, key = ARGV[3], mode = ARGV[4], count = tonumber(ARGV[5]),
  windowMs = tonumber(ARGV[6]), expiresAt = expiresAt, setAt = now,
}
redis.call('LPUSH', KEYS[2], cjson.encode({
  op = 'set', at = now, effect = ARGV[2], mode = ARGV[4], count = tonumber(ARGV[5]),
  windowMs = tonumber(ARGV[6]), expiresAt = expiresAt, by = ARGV[8], reason = ARGV[9],
}))
redis.call('LTRIM', KEYS[2], 0, 999)
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('ZADD', KEYS[5], now, ARGV[3])
local encoded = cjson.encode(result)
redis.call('HSET', KEYS[4], 'status', 'done', 'result', encoded, 'at', now, 'run', ARGV[8])
redis.call('ZADD', KEYS[6], now, ARGV[2])
return encoded
