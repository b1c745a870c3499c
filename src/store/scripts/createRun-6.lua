--[[
createRun: create a playbook run unless it exists (run ids are deterministic per playbook and
incident, so a retried start is a no-op).

KEYS[1] run       HASH the run record
KEYS[2] timeline  LIST oldest-first JSON timeline entries
KEYS[3] index     ZSET run id -> created time (ms)
KEYS[4] active    SET ids of runs not yet ended
KEYS[5] incidentRuns SET run ids of the incident
KEYS[6] changes   STREAM the change feed (GET /v1/stream): {k = 'run', id} per change of status, state or step

ARGV[1] now, epoch ms
ARGV[2] run id
ARGV[3] run fields, JSON object of strings
ARGV[4] timeline entries, JSON array of JSON strings
ARGV[5] change feed length kept (approximate MAXLEN)

Returns 1 created, 0 it already existed.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for k, v in pairs(cjson.decode(ARGV[3])) do redis.call('HSET', KEYS[1], k, v) end
for _, entry in ipairs(cjson.decode(ARGV[4])) do redis.call('RPUSH', KEYS[2], entry) end
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[5], '*', 'k', 'run', 'id', ARGV[2])
return 1
