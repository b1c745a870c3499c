--[[
unlockHolds: give back a target taken with lockHolds (only by its owner), and delete the
target's hash when nothing is left in it (no hold, no dropped hold).

KEYS[1] holds HASH the target's holds (see holdEffect)

ARGV[1] owner: the effect key that took it

Returns 1 when the owner's lock was given back, else 0.
]]
if redis.call('HGET', KEYS[1], 'lock') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'lock', 'lockUntil')
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  local kind = string.sub(name, 1, 2)
  if kind == 'h:' or kind == 'd:' then return 1 end
end
redis.call('DEL', KEYS[1])
return 1
