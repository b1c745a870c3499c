--[[
saveRun: compare-and-set a run's state after a transition, atomically with its timeline
entries, the id of the event that caused it, and the effects still to perform (outbox).

KEYS[1] run       HASH the run record (field version is the CAS token)
KEYS[2] timeline  LIST oldest-first JSON entries (capped at 2000)
KEYS[3] applied   SET ids of run events already applied (redeliveries are recognised)
KEYS[4] active    SET ids of runs not yet ended
KEYS[5] changes   STREAM the change feed (GET /v1/stream): {k = 'run', id} per change of status, state or step

ARGV[1] expected version
ARGV[2] applied event id ('' = none); a save whose event id was applied already is refused
ARGV[3] "1" if the run has ended, "2" if an ended run starts again (retry), else "0"
ARGV[4] run id
ARGV[5] change feed length kept (approximate MAXLEN)
ARGV[6] "1" if the save changes the run's status, state or step (a change feed entry), else "0":
        the caller knows, since the guard makes the stored run the version it saves over
ARGV[7] f, the number of fields to set (must include the new version)
ARGV[8] t, the number of timeline entries
ARGV[9 .. 8+2f]        the fields, name then value (each value a string as stored)
ARGV[9+2f .. 8+2f+t]   the timeline entries, each one JSON string

The fields and entries come as arguments of their own, not inside one JSON document: the run's
context (the largest field) is then encoded once, by the caller, and never decoded here.

Returns 1 saved, 0 version mismatch (reload and retry), -1 no such run, 2 the event was
applied already (nothing written; a caller that saves from a remembered copy of the run, not a
fresh read, learns it here).
]]
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return -1 end
if version ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 1 then return 2 end
local nFields = tonumber(ARGV[7])
local nEntries = tonumber(ARGV[8])
redis.call('HSET', KEYS[1], unpack(ARGV, 9, 8 + 2 * nFields))
if nEntries > 0 then
  local first = 9 + 2 * nFields
  redis.call('RPUSH', KEYS[2], unpack(ARGV, first, first + nEntries - 1))
  redis.call('LTRIM', KEYS[2], -2000, -1)
end
if ARGV[2] ~= '' then redis.call('SADD', KEYS[3], ARGV[2]) end
if ARGV[3] == '1' then redis.call('SREM', KEYS[4], ARGV[4]) end
if ARGV[3] == '2' then redis.call('SADD', KEYS[4], ARGV[4]) end
if ARGV[6] == '1' then redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*', 'k', 'run', 'id', ARGV[4]) end
return 1
