--[[
closeAnnouncement: takes an undo job off the list of those whose end is still to be told to
other runs, unless runs are listed as watching it: one that listed itself since the notice read
the watchers waits on a new job under the same id, whose end is still to be told.

KEYS[1] watchers  SET the runs told how the undo job ends
KEYS[2] announce  SET the undo job ids whose end is still to be told

ARGV[1] the undo job id

Returns 1 taken off, 0 kept (watchers are listed).
]]
if redis.call('SCARD', KEYS[1]) > 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
