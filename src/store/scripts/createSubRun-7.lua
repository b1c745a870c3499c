--[[
createSubRun: createRun for a sub-run (a `call` state's run), only while its parent still
rests at the call that started it: once the parent has left it (cancelled, timed out, or gone
on another way), no sub-run of it may start acting, so none is created (the caller records it
cancelled instead), whatever the order in which the parent's move and this start reach Redis.

KEYS[1..6]  as createRun: run, timeline, index, active, incidentRuns, changes
KEYS[7]     parent  HASH the parent run's record (same hash tag as the run)

ARGV[1]     the parent's state holding the call
ARGV[2]     the step the parent entered it at
ARGV[3 ..]  as createRun's ARGV

Returns 1 created, 0 it already existed (checked first: a start delivered again), 2 the parent
no longer rests at the call (nothing written).
]]
--- @include createRun
--- @include runRestsAt
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if runRestsAt({ KEYS[7] }, { ARGV[1], ARGV[2] }) ~= 1 then return 2 end
return createRun({ KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6] }, { unpack(ARGV, 3) })
