--[[
deleteCase: delete a case of the built-in case store and its dedupe entry.

KEYS[1] case    HASH
KEYS[2] index   ZSET case id -> created time
KEYS[3] dedupe  HASH dedupe key -> case id

ARGV[1] case id

Returns 1 deleted, 0 there was none (its index entry is removed).
]]
local dedupe = redis.call('HGET', KEYS[1], 'dedupe')
if dedupe and dedupe ~= '' and redis.call('HGET', KEYS[3], dedupe) == ARGV[1] then
  redis.call('HDEL', KEYS[3], dedupe)
end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
