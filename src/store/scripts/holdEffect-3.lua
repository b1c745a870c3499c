--[[
holdEffect: record that an effect holds containment on a target in a system outside Redis (a
Kong consumer's rate limit, a blocked LiteLLM key), so that runs which contain the same target
at once take back only their own hold (actions/connectors/holds.ts). Holds of one family on one
connector instance and target stack, newest on top; the first hold on an empty stack is the
base, whose undo restores what was there before any of them. Called with the target taken
(lockHolds), after the effect acted and before the ledger records it: a retry after a crash
acts again (idempotently) and finds its hold here.

KEYS[1] holds   HASH the target's holds: h:<effect key> -> entry JSON (stored as given: cjson
                would rewrite its numbers and empty arrays), s:<effect key> -> its place in the
                stack, `seq` -> the last place given, `base` -> the base entry JSON (until the
                stack is empty), d:<effect key> -> a hold an explicit release dropped
KEYS[2] ledger  HASH the effect's ledger entry (memo:hold marks the hold as placed)
KEYS[3] effects ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key
ARGV[3] run id
ARGV[4] entry JSON: {effect, operation, inputs, result, run, at}

Returns the number of holds on the target after this one.
]]
if redis.call('HEXISTS', KEYS[1], 'h:' .. ARGV[2]) == 0 then
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('HSETNX', KEYS[1], 'base', ARGV[4])
  -- A dropped hold whose effect acted again (its retry) holds again.
  redis.call('HDEL', KEYS[1], 'd:' .. ARGV[2])
  redis.call('HSET', KEYS[1], 'h:' .. ARGV[2], ARGV[4], 's:' .. ARGV[2], seq)
  redis.call('HSET', KEYS[2], 'memo:hold', ARGV[1], 'run', ARGV[3])
  redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[2])
end
local n = 0
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 2) == 'h:' then n = n + 1 end
end
return n
