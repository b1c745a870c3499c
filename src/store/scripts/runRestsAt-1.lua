--[[
runRestsAt: whether a playbook run still rests at a position (a state and the step it entered
it at), as its `leaves` field (or, on a record from before leaves were kept, its state and step)
says. A run that ended, or is gone, rests nowhere.

KEYS[1] run  HASH the run record

ARGV[1] state name
ARGV[2] step, the step number the run entered the state at

Returns 1 it rests there, 0 it does not.
]]
local fields = redis.call('HMGET', KEYS[1], 'status', 'leaves', 'state', 'step')
local status, leaves = fields[1], fields[2]
if not status or status == 'resolved' or status == 'failed' or status == 'cancelled' then return 0 end
if leaves and leaves ~= '' then
  local ok, positions = pcall(cjson.decode, leaves)
  if not ok or type(positions) ~= 'table' then return 0 end
  return positions[ARGV[1]] == tonumber(ARGV[2]) and 1 or 0
end
return (fields[3] == ARGV[1] and fields[4] == ARGV[2]) and 1 or 0
