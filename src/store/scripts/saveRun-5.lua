--[[
saveRun: compare-and-set a run's state after a transition, atomically with its timeline
entries, the id of the event that caused it, and the effects still to perform (outbox).

KEYS[1] run       HASH the run record (field version is the CAS token)
KEYS[2] timeline  LIST oldest-first JSON entries (capped at 2000)
KEYS[3] applied   SET ids of run events already applied (redeliveries are recognised)
KEYS[4] active    SET ids of runs not yet ended
KEYS[5] changes   STREAM the change feed (GET /v1/stream): {k = 'run', id} per change of status, state or step

ARGV[1] expected version
ARGV[2] fields to set, JSON object of strings (must include the new version)
ARGV[3] timeline entries, JSON array of JSON strings
ARGV[4] applied event id ('' = none)
ARGV[5] "1" if the run has ended, "2" if an ended run starts again (retry), else "0"
ARGV[6] run id
ARGV[7] change feed length kept (approximate MAXLEN)

Returns 1 saved, 0 version mismatch (reload and retry), -1 no such run.
]]
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return -1 end
if version ~= ARGV[1] then return 0 end
local fields = cjson.decode(ARGV[2])
local before = redis.call('HMGET', KEYS[1], 'status', 'state', 'step')
local moved = (fields.status and fields.status ~= before[1]) or (fields.state and fields.state ~= before[2])
  or (fields.step and fields.step ~= before[3])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
for _, entry in ipairs(cjson.decode(ARGV[3])) do redis.call('RPUSH', KEYS[2], entry) end
redis.call('LTRIM', KEYS[2], -2000, -1)
if ARGV[4] ~= '' then redis.call('SADD', KEYS[3], ARGV[4]) end
if ARGV[5] == '1' then redis.call('SREM', KEYS[4], ARGV[6]) end
if ARGV[5] == '2' then redis.call('SADD', KEYS[4], ARGV[6]) end
if moved then redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', 'k', 'run', 'id', ARGV[6]) end
return 1
