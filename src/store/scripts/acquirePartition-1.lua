--[[
acquirePartition: take (or keep) the lease on one correlation-state partition. A partition is
free when nobody holds it or its holder's lease has expired (decided against ARGV now, never
by key expiry). Taking it from someone else raises the epoch, which fences the old holder:
its checkpoints are refused from then on.

KEYS[1] meta  HASH owner, epoch, expires (ms), offset (stream id), read (entries read),
              engine (JSON watermarks and sequence), committed (ms)

ARGV[1] member (correlator instance id)
ARGV[2] now, epoch ms
ARGV[3] lease, ms

Returns {1, epoch, offset, read, engine} when this member now holds it,
        {0, owner, expires} when another member does.
]]
local now = tonumber(ARGV[2])
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires') or '0')
if owner ~= '' and owner ~= ARGV[1] and expires >= now then
  return {0, owner, tostring(expires)}
end
local epoch = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
if owner ~= ARGV[1] then epoch = epoch + 1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'epoch', epoch, 'expires', now + tonumber(ARGV[3]))
return {1, epoch, redis.call('HGET', KEYS[1], 'offset') or '0-0',
  redis.call('HGET', KEYS[1], 'read') or '', redis.call('HGET', KEYS[1], 'engine') or ''}
