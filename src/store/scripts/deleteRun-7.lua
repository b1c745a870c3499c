--[[
deleteRun: delete an ended playbook run (record, timeline, applied-event set, approval set).
The caller deletes the run's approvals first (deleteApproval); an ended run never changes again.

KEYS[1] run          HASH the run record
KEYS[2] timeline     LIST
KEYS[3] applied      SET
KEYS[4] approvals    SET  the run's approval ids
KEYS[5] index        ZSET run id -> created time
KEYS[6] active       SET  ids of runs not yet ended
KEYS[7] incidentRuns SET  run ids of the run's incident

ARGV[1] run id
ARGV[2] cutoff, epoch ms: only a run that ended at or before it is deleted

Returns 1 deleted, 0 kept (not ended, or ended after the cutoff), -1 no such run (its index
entry is removed).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[5], ARGV[1])
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  return -1
end
local h = redis.call('HMGET', KEYS[1], 'status', 'endedAt', 'updatedAt')
local ended = h[1] == 'resolved' or h[1] == 'failed' or h[1] == 'cancelled'
local endedAt = tonumber(h[2] or h[3] or '0')
if not ended or redis.call('SISMEMBER', KEYS[6], ARGV[1]) == 1 or endedAt > tonumber(ARGV[2]) then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('SREM', KEYS[7], ARGV[1])
return 1
