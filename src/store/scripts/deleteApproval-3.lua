--[[
deleteApproval: delete one approval of an ended run (the run's retention deletes them with it).

KEYS[1] approval HASH
KEYS[2] index    ZSET approval id -> created time
KEYS[3] pending  ZSET pending approval id -> expiry time

ARGV[1] approval id

Returns 1 deleted, 0 there was none.
]]
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return redis.call('DEL', KEYS[1])
