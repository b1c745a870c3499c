--[[
evictGroup: drop one group's window state when a rule is at its group limit (stalest first).
Counted, never silent: the rule state keeps how many groups were evicted.

KEYS[1] window    ZSET of the group being evicted
KEYS[2] consumed  ZSET of the group being evicted
KEYS[3] groups    ZSET group hash -> last processing time
KEYS[4] state     HASH rule state (field groups_evicted)

ARGV[1] group hash

Returns 1 if the group existed, 0 otherwise.
]]
local existed = redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
if existed == 1 then redis.call('HINCRBY', KEYS[4], 'groups_evicted', 1) end
return existed
