--[[
dropHolds: an explicit release (ratelimit.clear, key.unblock, access.allow run as a step of its
own, not as an undo) lifted the target's containment whoever held it. Its holds become dropped
holds (d:<effect key>): the later undo of one of them does nothing outside (a hold placed since,
by another run, must stay in force) and only takes the mark off (releaseHold). Called with the
target taken (lockHolds).

KEYS[1] holds HASH the target's holds (see holdEffect)

Returns the number of holds dropped.
]]
local n = 0
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 2) == 'h:' then
    local effect = string.sub(name, 3)
    redis.call('HSET', KEYS[1], 'd:' .. effect, '1')
    redis.call('HDEL', KEYS[1], name, 's:' .. effect)
    n = n + 1
  end
end
redis.call('HDEL', KEYS[1], 'base', 'seq')
return n
