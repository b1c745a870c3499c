--[[
deleteEffect: delete an effect-ledger entry unless the run it belongs to is still active (the
entry is what keeps that run's retried action from acting twice). A kept entry is re-dated to
now, so it is looked at again one retention period later instead of blocking the sweep.

KEYS[1] ledger  HASH effect ledger entry (field run: the run id that caused it)
KEYS[2] index   ZSET effect key -> time recorded (ms)
KEYS[3] active  SET  ids of runs not yet ended

ARGV[1] effect key
ARGV[2] now, epoch ms

Returns 1 deleted, 0 kept (its run is active).
]]
local run = redis.call('HGET', KEYS[1], 'run')
if run and run ~= '' and redis.call('SISMEMBER', KEYS[3], run) == 1 then
  redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
