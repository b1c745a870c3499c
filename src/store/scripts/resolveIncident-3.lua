--[[
resolveIncident: close an open incident so the next match of its rule + group opens a new one.

KEYS[1] incident HASH
KEYS[2] open     HASH "<rule>\n<group key>" -> open incident id
KEYS[3] changes  STREAM the change feed (GET /v1/stream): {k = 'incident', id} per change

ARGV[1] now, epoch ms
ARGV[2] principal id that resolved it
ARGV[3] comment
ARGV[4] change feed length kept (approximate MAXLEN)

Returns 1 resolved, 0 already resolved, -1 no such incident.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 0 end
local field = redis.call('HGET', KEYS[1], 'rule') .. '\n' .. redis.call('HGET', KEYS[1], 'groupKey')
if redis.call('HGET', KEYS[2], field) == redis.call('HGET', KEYS[1], 'id') then
  redis.call('HDEL', KEYS[2], field)
end
redis.call('HSET', KEYS[1], 'status', 'resolved', 'resolvedAt', ARGV[1], 'resolvedBy', ARGV[2],
  'resolveComment', ARGV[3], 'updatedAt', ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'k', 'incident', 'id', redis.call('HGET', KEYS[1], 'id'))
return 1
