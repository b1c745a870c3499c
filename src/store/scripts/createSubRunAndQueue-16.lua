--[[
createSubRunAndQueue: createRunAndQueue for a sub-run, under createSubRun's condition: the
parent still rests at the call. A parent that has left it gets no sub-run and no job.

KEYS[1..15] as createRunAndQueue: run, timeline, index, active, incidentRuns, changes, then the
            queue's nine keys
KEYS[16]    parent  HASH the parent run's record (same hash tag as the run)

ARGV[1]     the parent's state holding the call
ARGV[2]     the step the parent entered it at
ARGV[3 ..]  as createRunAndQueue's ARGV

Returns as createSubRun.
]]
--- @include createRunAndQueue
--- @include runRestsAt
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if runRestsAt({ KEYS[16] }, { ARGV[1], ARGV[2] }) ~= 1 then return 2 end
local keys = {}
for i = 1, 15 do keys[i] = KEYS[i] end
return createRunAndQueue(keys, { unpack(ARGV, 3) })
