--[[
releaseHold: the undo of a held effect has done what the target's holds asked of it outside
(actions/connectors/holds.ts decides that from them, with the target taken: lockHolds); its
hold (or dropped hold) comes off, and the undo's result is recorded in its ledger entry in the
same step, so a retry answers from the ledger and never acts again. With no hold left, the
base goes too.

KEYS[1] holds   HASH the target's holds (see holdEffect)
KEYS[2] ledger  HASH the undo's own ledger entry
KEYS[3] effects ZSET effect key -> time recorded (ms), for retention
KEYS[4] held    ZSET the targets held now (see holdEffect): this target leaves it with its
                last hold

ARGV[1] now, epoch ms
ARGV[2] effect key of the held effect being undone
ARGV[3] effect key of this undo
ARGV[4] run id of this undo
ARGV[5] the undo's result, JSON
ARGV[6] the target's member in KEYS[4]: JSON [instance, family, target]

Returns the stored result JSON (this one, or the one recorded before: then nothing changes).
]]
local done = redis.call('HGET', KEYS[2], 'result')
if done then return done end
redis.call('HDEL', KEYS[1], 'h:' .. ARGV[2], 's:' .. ARGV[2], 'd:' .. ARGV[2])
local left = false
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 2) == 'h:' then left = true break end
end
if not left then
  redis.call('HDEL', KEYS[1], 'base', 'basememo', 'seq')
  redis.call('ZREM', KEYS[4], ARGV[6])
end
redis.call('HSET', KEYS[2], 'status', 'done', 'result', ARGV[5], 'at', tonumber(ARGV[1]), 'run', ARGV[4])
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[3])
return ARGV[5]
