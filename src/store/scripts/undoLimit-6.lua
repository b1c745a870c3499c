--[[
undoLimit: take back the limit one effect set on a key in the built-in limiter (the undo of
ratelimit.set and key.block), exactly once per effect key. Only that effect's limit goes: the
limits it went over (setLimit keeps them under it) are in force again, and a limit set over it
since stays. Where the effect's limit is no longer there (cleared, or lifted), nothing changes.

KEYS[1] rule     HASH the key's limit (see setLimit: the limit on top, `under` the ones beneath)
KEYS[2] history  LIST newest-first JSON of every set/clear/undo on this key
KEYS[3] index    ZSET limited key -> time set
KEYS[4] ledger   HASH effect ledger entry of this undo
KEYS[5] histories ZSET limited key -> time of its last set/clear/undo (ms), for retention
KEYS[6] effects  ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key of this undo
ARGV[3] limited key
ARGV[4] who undoes it
ARGV[5] reason
ARGV[6] the connector instance that acts, JSON ('' or absent = not named here), as for setLimit
ARGV[7] effect key of the set being undone

Returns JSON {applied, key, existed, restored}: existed = the effect's limit was still there;
restored = the effect key of the limit now in force on the key ('' = none).
]]
if ARGV[6] and ARGV[6] ~= '' then redis.call('HSETNX', KEYS[4], 'memo:connector', ARGV[6]) end
local done = redis.call('HGET', KEYS[4], 'result')
if done then
  local prior = cjson.decode(done)
  prior.applied = false
  return cjson.encode(prior)
end
local now = tonumber(ARGV[1])
local function live(e) return e == 0 or e > now end
-- The key's limits, the one on top first.
local layers = {}
local cur = redis.call('HMGET', KEYS[1], 'mode', 'count', 'windowMs', 'expiresAt', 'setAt', 'setBy',
  'reason', 'effect', 'under')
if cur[1] then
  layers[1] = { mode = cur[1], count = tonumber(cur[2]), windowMs = tonumber(cur[3]),
    expiresAt = tonumber(cur[4] or '0'), setAt = tonumber(cur[5] or '0'), setBy = cur[6] or '',
    reason = cur[7] or '', effect = cur[8] or '' }
  if cur[9] and cur[9] ~= '' then
    for _, l in ipairs(cjson.decode(cur[9])) do layers[#layers + 1] = l end
  end
end
local hit, existed = false, false
local kept = {}
for _, l in ipairs(layers) do
  if not hit and l.effect == ARGV[7] then
    hit = true
    existed = live(tonumber(l.expiresAt))
  elseif live(tonumber(l.expiresAt)) then
    kept[#kept + 1] = l
  end
end
local restored = kept[1] and (kept[1].effect or '') or ''
if hit then
  redis.call('DEL', KEYS[1])
  if #kept == 0 then
    redis.call('ZREM', KEYS[3], ARGV[3])
  else
    local top = kept[1]
    redis.call('HSET', KEYS[1], 'key', ARGV[3], 'mode', top.mode, 'count', top.count,
      'windowMs', top.windowMs, 'expiresAt', top.expiresAt, 'setAt', top.setAt,
      'setBy', top.setBy, 'reason', top.reason, 'effect', restored)
    local under = {}
    local keep = tonumber(top.expiresAt)
    for i = 2, #kept do
      under[#under + 1] = kept[i]
      local e = tonumber(kept[i].expiresAt)
      if keep ~= 0 and (e == 0 or e > keep) then keep = e end
    end
    if #under > 0 then redis.call('HSET', KEYS[1], 'under', cjson.encode(under)) end
    if keep > 0 then
      redis.call('PEXPIREAT', KEYS[1], keep + 86400000)
    else
      redis.call('PERSIST', KEYS[1])
    end
  end
end
redis.call('LPUSH', KEYS[2], cjson.encode({ op = 'undo', at = now, effect = ARGV[2], of = ARGV[7],
  existed = existed, restored = restored, by = ARGV[4], reason = ARGV[5] }))
redis.call('LTRIM', KEYS[2], 0, 999)
redis.call('ZADD', KEYS[5], now, ARGV[3])
local encoded = cjson.encode({ applied = true, key = ARGV[3], existed = existed, restored = restored })
redis.call('HSET', KEYS[4], 'status', 'done', 'result', encoded, 'at', now, 'run', ARGV[4])
redis.call('ZADD', KEYS[6], now, ARGV[2])
return encoded
