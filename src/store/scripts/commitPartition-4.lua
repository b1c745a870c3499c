--[[
commitPartition: checkpoint one correlation-state partition atomically: the groups changed
since the last checkpoint, rule metadata, matches not yet handed to incidents (outbox), and
the log offset they reflect. Refused unless the caller still holds the partition under its
epoch, so a correlator that lost its lease can never overwrite its successor's state. After a
crash the holder restores this checkpoint and re-reads the log from the offset: the engine is
deterministic, so the same matches come out with the same ids.

KEYS[1] meta     HASH (see acquirePartition)
KEYS[2] groups   HASH "<rule>\0<version>\0<group>" -> JSON group state
KEYS[3] rules    HASH "<rule>\0<version>" -> JSON rule metadata (sources seen)
KEYS[4] outbox   HASH match id -> match JSON

ARGV[1]  member
ARGV[2]  epoch the member holds
ARGV[3]  now, epoch ms
ARGV[4]  lease, ms (the lease is extended by a successful checkpoint)
ARGV[5]  offset: id of the last log entry reflected (stream id)
ARGV[6]  entries read so far (for lag)
ARGV[7]  engine JSON (watermarks, sequence)
ARGV[8]  number of group fields to set (G); then G field, value pairs
ARGV[.]  number of group fields to delete (D); then D fields
ARGV[.]  number of rule fields to set (R); then R field, value pairs
ARGV[.]  number of outbox entries to add (A); then A id, JSON pairs

Returns 1 committed, 0 the lease was lost.
]]
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1]
  or redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then
  return 0
end
local i = 8
local n = tonumber(ARGV[i])
for j = 1, n do
  redis.call('HSET', KEYS[2], ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
end
i = i + 2 * n + 1
n = tonumber(ARGV[i])
for j = 1, n do
  redis.call('HDEL', KEYS[2], ARGV[i + j])
end
i = i + n + 1
n = tonumber(ARGV[i])
for j = 1, n do
  redis.call('HSET', KEYS[3], ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
end
i = i + 2 * n + 1
n = tonumber(ARGV[i])
for j = 1, n do
  redis.call('HSET', KEYS[4], ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
end
local now = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'offset', ARGV[5], 'read', ARGV[6], 'engine', ARGV[7],
  'expires', now + tonumber(ARGV[4]), 'committed', now)
return 1
