--[[
recordMatch: attach a match to the open incident of its rule + group, or open a new incident.
Idempotent by match id: recording the same match again returns the first outcome, including
whether that match created the incident (so a redelivery still knows to start playbooks).

KEYS[1] byMatch      HASH match id -> "<incident id>|<1 if it created the incident, else 0>"
KEYS[2] byMatchTime  ZSET match id -> recorded time (ms), to forget old match ids
KEYS[3] open         HASH "<rule>\n<group key>" -> id of the open incident
KEYS[4] index        ZSET incident id -> created time (ms)
KEYS[5] incident     HASH of the incident the caller expects to touch (see ARGV[4] / ARGV[5])
KEYS[6] matches      LIST newest-first match JSON of that incident
KEYS[7] changes      STREAM the change feed (GET /v1/stream): {k = 'incident', id} per change

ARGV[1]  now, epoch ms
ARGV[2]  match id
ARGV[3]  open field "<rule>\n<group key>"
ARGV[4]  id of the open incident the caller saw ('' if none); KEYS[5] names it when non-empty
ARGV[5]  id for a new incident; KEYS[5] names it when ARGV[4] is ''
ARGV[6]  match JSON
ARGV[7]  max matches kept per incident
ARGV[8]  match-id memory, ms
ARGV[9]  new incident fields as JSON object (title, rule, severity, group, ...)
ARGV[10] event time of the match's last event (lastSeen), ms
ARGV[11] match count (events in the match)
ARGV[12] event time of the match's first event (firstSeen), ms
ARGV[13] change feed length kept (approximate MAXLEN)

Returns {status, incident id, created[, incident]}:
  status 0 already recorded, 1 recorded, -1 the open incident changed since the caller looked (retry)
  incident (status 1 and created only): HGETALL of the new incident, so the caller that starts
  playbooks for it need not read it back
]]
local now = tonumber(ARGV[1])
local matchId = ARGV[2]

local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[8])), 'LIMIT', 0, 1000)
if #old > 0 then
  redis.call('ZREM', KEYS[2], unpack(old))
  redis.call('HDEL', KEYS[1], unpack(old))
end

local seen = redis.call('HGET', KEYS[1], matchId)
if seen then
  local sep = string.find(seen, '|', 1, true)
  return {0, string.sub(seen, 1, sep - 1), tonumber(string.sub(seen, sep + 1))}
end

local current = redis.call('HGET', KEYS[3], ARGV[3]) or ''
if current ~= ARGV[4] then return {-1, current, 0} end

local id, created
if current ~= '' then
  id, created = current, 0
  redis.call('HINCRBY', KEYS[5], 'matchCount', 1)
  redis.call('HINCRBY', KEYS[5], 'eventCount', tonumber(ARGV[11]))
  local lastSeen = tonumber(redis.call('HGET', KEYS[5], 'lastSeen') or '0')
  if tonumber(ARGV[10]) > lastSeen then redis.call('HSET', KEYS[5], 'lastSeen', ARGV[10]) end
  local firstSeen = tonumber(redis.call('HGET', KEYS[5], 'firstSeen') or ARGV[12])
  if tonumber(ARGV[12]) < firstSeen then redis.call('HSET', KEYS[5], 'firstSeen', ARGV[12]) end
  redis.call('HSET', KEYS[5], 'updatedAt', now)
else
  id, created = ARGV[5], 1
  -- One HSET for every field, not a call per field; the fixed ones come last,
  -- so they win over a field of the same name, as when they were set after the others.
  local hash = {}
  for k, v in pairs(cjson.decode(ARGV[9])) do
    hash[#hash + 1] = k
    hash[#hash + 1] = v
  end
  for _, v in ipairs({'id', id, 'status', 'open', 'createdAt', now, 'updatedAt', now,
    'matchCount', 1, 'eventCount', tonumber(ARGV[11])}) do
    hash[#hash + 1] = v
  end
  redis.call('HSET', KEYS[5], unpack(hash))
  redis.call('ZADD', KEYS[4], now, id)
  redis.call('HSET', KEYS[3], ARGV[3], id)
end
redis.call('LPUSH', KEYS[6], ARGV[6])
redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[7]) - 1)
redis.call('HSET', KEYS[1], matchId, id .. '|' .. created)
redis.call('ZADD', KEYS[2], now, matchId)
redis.call('XADD', KEYS[7], 'MAXLEN', '~', ARGV[13], '*', 'k', 'incident', 'id', id)
if created == 1 then return {1, id, created, redis.call('HGETALL', KEYS[5])} end
return {1, id, created}
