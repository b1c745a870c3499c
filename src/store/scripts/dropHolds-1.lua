--[[
dropHolds: an explicit release (ratelimit.clear, key.unblock, access.allow run as a step of its
own, not as an undo) lifted the target's containment whoever held it, so its holds are gone: a
later undo of one of them finds none (releaseHold: held=false) and runs its own undo.

KEYS[1] holds HASH the target's holds (see holdEffect)

Returns the number of holds dropped.
]]
local n = 0
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 2) == 's:' then n = n + 1 end
end
redis.call('DEL', KEYS[1])
return n
