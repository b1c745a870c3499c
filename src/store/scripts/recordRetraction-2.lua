--[[
recordRetraction: notes on an incident that one of its matches was withdrawn by an event that
arrived after it (a late `until` event inside a sequence, an expected event inside a reported
absence). The match stays; the incident counts and lists its withdrawn matches.

KEYS[1] incident HASH
KEYS[2] changes  STREAM the change feed (GET /v1/stream): {k = 'incident', id} per change

ARGV[1] now, epoch ms
ARGV[2] match id
ARGV[3] the retraction, JSON

ARGV[4] most retractions kept in full; past it a withdrawn match is only marked ('-'), so the
        hash stays small while redeliveries are still recognised
ARGV[5] change feed length kept (approximate MAXLEN)

Returns 1 recorded, 0 recorded before (redelivery), -1 no such incident.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local field = 'retraction:' .. ARGV[2]
if redis.call('HEXISTS', KEYS[1], field) == 1 then return 0 end
local count = tonumber(redis.call('HGET', KEYS[1], 'retractionCount') or '0')
redis.call('HSET', KEYS[1], field, count < tonumber(ARGV[4]) and ARGV[3] or '-')
redis.call('HINCRBY', KEYS[1], 'retractionCount', 1)
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'k', 'incident', 'id', redis.call('HGET', KEYS[1], 'id'))
return 1
