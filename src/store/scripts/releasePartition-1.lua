--[[
releasePartition: give up the lease on a partition (after a final checkpoint), so another
member may take it at once instead of waiting for the lease to expire.

KEYS[1] meta  HASH (see acquirePartition)

ARGV[1] member
ARGV[2] epoch the member holds

Returns 1 released, 0 not held by this member under this epoch.
]]
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1]
  or redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'owner', '', 'expires', 0)
return 1
