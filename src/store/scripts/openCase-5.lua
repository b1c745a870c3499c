--[[
openCase: open a case in the built-in case store, exactly once per effect key, reusing the
existing case when the dedupe key has one.

KEYS[1] dedupe  HASH dedupe key -> case id
KEYS[2] index   ZSET case id -> created time (ms)
KEYS[3] case    HASH the case to create (id chosen by the caller)
KEYS[4] ledger  HASH effect ledger entry
KEYS[5] effects ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key
ARGV[3] dedupe key ('' = none)
ARGV[4] case id
ARGV[5] case fields, JSON object of strings (summary, description, severity, openedBy, ...)
ARGV[6] the connector instance that acts, JSON ('' or absent = not named here): the effect's
        ledger entry gets it as memo:connector unless it has one (what the ledger's separate naming
        writes), in the same atomic step as the effect

Returns JSON {applied, caseId, created}.
]]
if ARGV[6] and ARGV[6] ~= '' then redis.call('HSETNX', KEYS[4], 'memo:connector', ARGV[6]) end
local done = redis.call('HGET', KEYS[4], 'result')
if done then
  local prior = cjson.decode(done)
  prior.applied = false
  return cjson.encode(prior)
end
local now = tonumber(ARGV[1])
local caseId, created = ARGV[4], false
local existing = ARGV[3] ~= '' and redis.call('HGET', KEYS[1], ARGV[3])
if existing then
  caseId = existing
elseif redis.call('EXISTS', KEYS[3]) == 0 then
  -- One HSET for every field; the fixed ones last, so they win over a field of the same name.
  local hash = {}
  for k, v in pairs(cjson.decode(ARGV[5])) do
    hash[#hash + 1] = k
    hash[#hash + 1] = v
  end
  for _, v in ipairs({'id', caseId, 'status', 'open', 'createdAt', now, 'effect', ARGV[2], 'dedupe', ARGV[3]}) do
    hash[#hash + 1] = v
  end
  redis.call('HSET', KEYS[3], unpack(hash))
  redis.call('ZADD', KEYS[2], now, caseId)
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], ARGV[3], caseId) end
  created = true
end
local encoded = cjson.encode({ applied = true, caseId = caseId, created = created })
redis.call('HSET', KEYS[4], 'status', 'done', 'result', encoded, 'at', now,
  'run', cjson.decode(ARGV[5]).openedBy or '')
redis.call('ZADD', KEYS[5], now, ARGV[2])
return encoded
