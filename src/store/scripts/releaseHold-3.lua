--[[
releaseHold: the undo of a held effect has done what the target's stack asked of it outside
(actions/connectors/holds.ts decides that from the stack, with the target taken: lockHolds)
and now takes the effect's hold (or dropped hold) off. With no hold left, the base goes too.
The undo's ledger entry notes it (memo:hold-release), so a retry of the undo that finds it
does not act again.

KEYS[1] holds   HASH the target's holds (see holdEffect)
KEYS[2] ledger  HASH the undo's own ledger entry
KEYS[3] effects ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key of the held effect being undone
ARGV[3] effect key of this undo
ARGV[4] run id of this undo

Returns the number of holds left on the target.
]]
redis.call('HDEL', KEYS[1], 'h:' .. ARGV[2], 's:' .. ARGV[2], 'd:' .. ARGV[2])
local n = 0
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 2) == 'h:' then n = n + 1 end
end
if n == 0 then redis.call('HDEL', KEYS[1], 'base', 'seq') end
redis.call('HSET', KEYS[2], 'memo:hold-release', ARGV[1], 'run', ARGV[4])
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[3])
return n
