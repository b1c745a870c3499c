--[[
rememberEffect: keep one named value for an effect in progress (what an outbound call is about
to replace, the ticket it created) so a retry after a timeout or crash reuses it instead of
reading a state the first attempt already changed. The first value stored wins.

KEYS[1] ledger  HASH effect ledger entry (field memo:<name>)
KEYS[2] effects ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key
ARGV[3] name
ARGV[4] value, JSON
ARGV[5] run id

Returns the stored value JSON (this one, or the one stored before).
]]
local field = 'memo:' .. ARGV[3]
local prior = redis.call('HGET', KEYS[1], field)
if prior then return prior end
redis.call('HSET', KEYS[1], field, ARGV[4], 'run', ARGV[5])
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[2])
return ARGV[4]
