--[[
renewPartition: extend the lease on a partition this member holds under this epoch.

KEYS[1] meta  HASH (see acquirePartition)

ARGV[1] member
ARGV[2] epoch the member holds
ARGV[3] now, epoch ms
ARGV[4] lease, ms

Returns 1 renewed, 0 the lease was lost (another member took it, or the key is gone).
]]
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1]
  or redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'expires', tonumber(ARGV[3]) + tonumber(ARGV[4]))
return 1
