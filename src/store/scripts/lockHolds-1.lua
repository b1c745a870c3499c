--[[
lockHolds: take a target's holds for one effect while it acts and records (actions/connectors
/holds.ts): a set acting and placing its hold, an undo reading the stack, acting outside and
taking its hold off, and an explicit release acting and dropping the holds each go one at a
time per target, so two of them never decide from a stack the other is changing. A lease, not
key expiry: a holder that died frees the target at `lockUntil`, decided against `now`. The
same owner (a retry of the effect) takes it again at once.

KEYS[1] holds HASH the target's holds (see holdEffect); fields `lock` (owner) and `lockUntil`

ARGV[1] now, epoch ms
ARGV[2] owner: the effect key of the effect acting
ARGV[3] lease, ms

Returns 0 when taken, else the ms until the current holder's lease ends.
]]
local now = tonumber(ARGV[1])
local owner = redis.call('HGET', KEYS[1], 'lock')
if owner and owner ~= ARGV[2] then
  local untilMs = tonumber(redis.call('HGET', KEYS[1], 'lockUntil')) or 0
  if untilMs > now then return untilMs - now end
end
redis.call('HSET', KEYS[1], 'lock', ARGV[2], 'lockUntil', now + tonumber(ARGV[3]))
return 0
