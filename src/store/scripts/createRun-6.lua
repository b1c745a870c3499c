--[[
createRun: create a playbook run unless it exists (run ids are deterministic per playbook and
incident, so a retried start is a no-op).

KEYS[1] run       HASH the run record
KEYS[2] timeline  LIST oldest-first JSON timeline entries
KEYS[3] index     ZSET run id -> created time (ms)
KEYS[4] active    SET ids of runs not yet ended (a run created ended is not added)
KEYS[5] incidentRuns SET run ids of the incident
KEYS[6] changes   STREAM the change feed (GET /v1/stream): {k = 'run', id} per change of status, state or step

ARGV[1] now, epoch ms
ARGV[2] run id
ARGV[3] change feed length kept (approximate MAXLEN)
ARGV[4] f, the number of run fields
ARGV[5] t, the number of timeline entries
ARGV[6 .. 5+2f]        the run's fields, name then value (each value a string as stored)
ARGV[6+2f .. 5+2f+t]   the timeline entries, each one JSON string

Returns 1 created, 0 it already existed.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local nFields = tonumber(ARGV[4])
local nEntries = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], unpack(ARGV, 6, 5 + 2 * nFields))
if nEntries > 0 then
  local first = 6 + 2 * nFields
  redis.call('RPUSH', KEYS[2], unpack(ARGV, first, first + nEntries - 1))
end
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[2])
-- A run created ended (a sub-run whose parent had left the call, a playbook that starts at an
-- end) is not active.
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'resolved' and status ~= 'failed' and status ~= 'cancelled' then
  redis.call('SADD', KEYS[4], ARGV[2])
end
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[3], '*', 'k', 'run', 'id', ARGV[2])
return 1
