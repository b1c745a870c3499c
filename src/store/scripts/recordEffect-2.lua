--[[
recordEffect: record the result of a side effect made outside Redis (an outbound connector
call), exactly once per effect key: the first result recorded wins and is what every retry
gets back.

KEYS[1] ledger  HASH effect ledger entry
KEYS[2] effects ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key
ARGV[3] result, JSON
ARGV[4] run id (keeps the entry while its run is active)

Returns the stored result JSON (this one, or the one recorded before).
]]
local done = redis.call('HGET', KEYS[1], 'result')
if done then return done end
redis.call('HSET', KEYS[1], 'status', 'done', 'result', ARGV[3], 'at', tonumber(ARGV[1]), 'run', ARGV[4])
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[2])
return ARGV[3]
