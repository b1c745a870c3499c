--[[
appendAudit: append one sealed entry to the audit trail if the trail is still where the caller
saw it. Redis Lua has no sha256, so the caller computes the entry's hash from the head it read
(optimistic check-and-set): when another process appended first, nothing is written and the
current head is returned for the caller to re-seal and retry.

KEYS[1] log  LIST the stored records, oldest first (index = seq - 1)
KEYS[2] head HASH seq and hash of the last record (absent while the trail is empty)

ARGV[1] expected head seq (0 for an empty trail)
ARGV[2] expected head hash (64 zeros for an empty trail)
ARGV[3] the new record's hash
ARGV[4] the new record, JSON (its seq is ARGV[1] + 1 and its prev is ARGV[2])

Returns {code, seq, hash}:
  1 appended (seq, hash of the new head)
  0 the head moved (seq, hash of the current head): re-seal against it and retry
 -1 the head is missing but the log has entries (seq = log length): refuse, appending would fork
]]
local seq = redis.call('HGET', KEYS[2], 'seq')
local hash = redis.call('HGET', KEYS[2], 'hash')
if not seq then
  local length = redis.call('LLEN', KEYS[1])
  if length > 0 then return {-1, length, ''} end
  seq = '0'
  hash = string.rep('0', 64)
end
if seq ~= ARGV[1] or hash ~= ARGV[2] then return {0, tonumber(seq), hash} end
local next = tonumber(seq) + 1
redis.call('RPUSH', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], 'seq', next, 'hash', ARGV[3])
return {1, next, ARGV[3]}
