--[[
setLimit: throttle or block a key in the built-in limiter, exactly once per effect key.
The effect-ledger entry is written in the same atomic step as the limit, so a retried or
crash-resumed action can never apply (or log) the same limit twice.

KEYS[1] rule     HASH the key's limit: mode, count, windowMs, expiresAt, setAt, setBy, reason,
                 effect, and under: JSON array of the limits it went over, newest first
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

A limit goes over the one in place rather than erasing it: the limit in place (unless it has
lifted) and those it went over are kept under the new one (at most 32, the oldest dropped), so
undoing this effect (undoLimit) restores them instead of lifting every limit on the key, and
the key's checks fall back to them when this one expires.
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
local MAX_UNDER = 32
local function live(e) return e == 0 or e > now end
local under = {}
local cur = redis.call('HMGET', KEYS[1], 'mode', 'count', 'windowMs', 'expiresAt', 'setAt', 'setBy',
  'reason', 'effect', 'under')
if cur[1] then
  local e = tonumber(cur[4] or '0')
  if live(e) then
    under[1] = { mode = cur[1], count = tonumber(cur[2]), windowMs = tonumber(cur[3]), expiresAt = e,
      setAt = tonumber(cur[5] or '0'), setBy = cur[6] or '', reason = cur[7] or '', effect = cur[8] or '' }
  end
  if cur[9] and cur[9] ~= '' then
    for _, l in ipairs(cjson.decode(cur[9])) do
      if #under < MAX_UNDER and live(tonumber(l.expiresAt)) then under[#under + 1] = l end
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'key', ARGV[3], 'mode', ARGV[4], 'count', ARGV[5], 'windowMs', ARGV[6],
  'expiresAt', expiresAt, 'setAt', now, 'setBy', ARGV[8], 'reason', ARGV[9], 'effect', ARGV[2])
if #under > 0 then redis.call('HSET', KEYS[1], 'under', cjson.encode(under)) end
-- Cleanup only: decisions compare expiresAt with ARGV time, so correctness never rests on TTL.
-- The key lives as long as its longest-lived limit, on top or under it.
local keep = expiresAt
for _, l in ipairs(under) do
  local e = tonumber(l.expiresAt)
  if keep ~= 0 and (e == 0 or e > keep) then keep = e end
end
if keep > 0 then
  redis.call('PEXPIREAT', KEYS[1], keep + 86400000)
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
