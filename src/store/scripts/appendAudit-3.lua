--[[
appendAudit: append sealed entries (one or a batch) to the audit trail if the trail is still where the caller
saw it. Redis Lua has no sha256, so the caller computes each entry's hash from the one before (the first from the head it read)
(optimistic check-and-set): when another process appended first, nothing is written and the
current head is returned for the caller to re-seal and retry.

Plain check-and-set starves: the writer that just appended learns the new head first and wins
the next race too. So the first writer to lose while nobody holds it takes a short
reservation: until it appends (or the reservation lapses, if it died), appends by others are
refused. Losers thus take turns. The reservation only affects who goes next, never what is stored.

A record may carry a once-key (one start of a run by hand, which repeats of the request may
record again): a record whose key the trail holds already, or that an earlier record of the
same batch carries, is refused, and nothing is written; the caller drops it and re-seals.

KEYS[1] log  LIST the stored records, oldest first (index = seq - 1)
KEYS[2] head HASH seq and hash of the last record (absent while the trail is empty), and
             reservedBy / reservedUntil (epoch ms) while a writer holds the next turn
KEYS[3] once HASH once-key -> seq of the record that carried it

ARGV[1] expected head seq (0 for an empty trail)
ARGV[2] expected head hash (64 zeros for an empty trail)
ARGV[3] writer id (one per process)
ARGV[4] now, epoch ms
ARGV[5] reservation length, ms
ARGV[6], ARGV[7], ARGV[8] the first new record's hash, JSON and once-key ('' for none); its
             seq is ARGV[1] + 1, its prev ARGV[2];
ARGV[9], ARGV[10], ARGV[11] … the next records, each sealed against the one before it. A writer
             appends what it gathered while its last append was in flight in one call (group
             commit): all of them or none.

Returns {code, seq, hash, reserved, …}:
  1 appended (seq, hash of the new head: the last record's)
  0 not appended (seq, hash of the current head): re-seal against it and retry;
    reserved = 1 when the next turn is this writer's (retry at once), 0 otherwise (pause first)
  2 not appended, the head as expected: the records at the positions that follow (1-based, in
    the batch) carry a once-key already recorded; drop them, re-seal the rest, retry
 -1 the head is missing but the log has entries (seq = log length): refuse, appending would fork
]]
-- A script that fails half-way is not undone: check the batch before writing anything, or a
-- stray odd argument would push records past a head left where it was.
if #ARGV < 8 or (#ARGV - 5) % 3 ~= 0 then
  return redis.error_reply('appendAudit: records come as hash, JSON, once-key triples after ARGV[5]')
end
local seq = redis.call('HGET', KEYS[2], 'seq')
local hash = redis.call('HGET', KEYS[2], 'hash')
if not seq then
  local length = redis.call('LLEN', KEYS[1])
  if length > 0 then return {-1, length, '', 0} end
  seq = '0'
  hash = string.rep('0', 64)
end
local now = tonumber(ARGV[4])
local holder = redis.call('HGET', KEYS[2], 'reservedBy')
if holder and now >= tonumber(redis.call('HGET', KEYS[2], 'reservedUntil')) then holder = false end
if seq ~= ARGV[1] or hash ~= ARGV[2] or (holder and holder ~= ARGV[3]) then
  if not holder then
    redis.call('HSET', KEYS[2], 'reservedBy', ARGV[3], 'reservedUntil', now + tonumber(ARGV[5]))
    holder = ARGV[3]
  end
  return {0, tonumber(seq), hash, holder == ARGV[3] and 1 or 0}
end
local repeated = {}
local seen = {}
for i = 8, #ARGV, 3 do
  local once = ARGV[i]
  if once ~= '' then
    if seen[once] or redis.call('HEXISTS', KEYS[3], once) == 1 then
      repeated[#repeated + 1] = (i - 5) / 3
    end
    seen[once] = true
  end
end
if #repeated > 0 then
  -- Nothing left to append: a turn this writer holds would only block the others.
  if holder and #repeated == (#ARGV - 5) / 3 then
    redis.call('HDEL', KEYS[2], 'reservedBy', 'reservedUntil')
  end
  local reply = {2, tonumber(seq), hash, 0}
  for _, n in ipairs(repeated) do reply[#reply + 1] = n end
  return reply
end
local next = tonumber(seq)
local last = hash
for i = 6, #ARGV, 3 do
  redis.call('RPUSH', KEYS[1], ARGV[i + 1])
  next = next + 1
  last = ARGV[i]
  if ARGV[i + 2] ~= '' then redis.call('HSET', KEYS[3], ARGV[i + 2], next) end
end
redis.call('HSET', KEYS[2], 'seq', next, 'hash', last)
if holder then redis.call('HDEL', KEYS[2], 'reservedBy', 'reservedUntil') end
return {1, next, last, 0}
