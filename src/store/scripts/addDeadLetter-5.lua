--[[
addDeadLetter: keep one rejected payload. Its summary goes to the stream (listed and paged
without bodies), its body to a hash read only by the detail route, and the stored size is
added to the running total that trimDeadLetters bounds. Atomic, so the total never drifts
from what is stored.

KEYS[1]  list    STREAM  one entry per dead letter: the summary fields below
KEYS[2]  bodies  HASH    stream entry id -> body (utf8 text or base64)
KEYS[3]  counts  HASH    source -> dead letters ever added (evicted ones included)
KEYS[4]  bytes   STRING  total bytes of bodies and errors stored (an integer)
KEYS[5]  expiry  ZSET    stream entry id -> when the letter must go (epoch ms), for letters of
                         sources with a text retention period: a body may hold prompts, which
                         must not outlive that period (trimDeadLetters-4.lua evicts them)

ARGV[1]  bytes this entry stores (body as stored + errors JSON)
ARGV[2]  body as stored
ARGV[3 ..]  field, value pairs of the summary: source, reason, errors, contentType, principal,
            received (epoch ms), size, truncated, encoding, and `expires` (epoch ms) when the
            letter has a text period

Returns the new stream entry id.
]]
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', 'bytes', ARGV[1], unpack(fields))
redis.call('HSET', KEYS[2], id, ARGV[2])
local source
for i = 1, #fields, 2 do
  if fields[i] == 'source' then source = fields[i + 1] end
  if fields[i] == 'expires' then redis.call('ZADD', KEYS[5], tonumber(fields[i + 1]), id) end
end
redis.call('HINCRBY', KEYS[3], source or '', 1)
redis.call('INCRBY', KEYS[4], tonumber(ARGV[1]))
return id
