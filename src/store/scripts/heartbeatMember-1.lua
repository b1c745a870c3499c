--[[
heartbeatMember: record that a correlator is alive and list the live ones. Members whose last
heartbeat is older than the lease are dropped; partitions are assigned over what remains, in
the sorted order every member computes alike.

KEYS[1] members  ZSET member -> last heartbeat (ms)

ARGV[1] member ('' to only list)
ARGV[2] now, epoch ms
ARGV[3] lease, ms

Returns the live members, sorted.
]]
local now = tonumber(ARGV[2])
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], now, ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[3])))
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(members)
return members
