--[[
deleteIncident: delete a resolved incident with its match list and run set, unless one of its
playbook runs is still active (that run still reads it).

KEYS[1] incident HASH
KEYS[2] matches  LIST the incident's matches
KEYS[3] runs     SET  the incident's run ids
KEYS[4] index    ZSET incident id -> created time
KEYS[5] active   SET  ids of runs not yet ended
KEYS[6] open     HASH "<rule>\n<group key>" -> open incident id

ARGV[1] incident id
ARGV[2] cutoff, epoch ms: only an incident resolved at or before it is deleted

Returns 1 deleted, 0 kept (open, or resolved after the cutoff), 2 kept (a run is active),
-1 no such incident (its index entry is removed).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('DEL', KEYS[2], KEYS[3])
  return -1
end
local h = redis.call('HMGET', KEYS[1], 'status', 'resolvedAt', 'rule', 'groupKey')
if h[1] ~= 'resolved' or tonumber(h[2] or '0') > tonumber(ARGV[2]) then return 0 end
for _, run in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('SISMEMBER', KEYS[5], run) == 1 then return 2 end
end
-- A resolved incident is no longer the open one; this guards against a hand-edited store.
local field = (h[3] or '') .. '\n' .. (h[4] or '')
if redis.call('HGET', KEYS[6], field) == ARGV[1] then redis.call('HDEL', KEYS[6], field) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
