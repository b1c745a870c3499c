--[[
trimDeadLetters: evict the dead letters whose text period is over, then the oldest ones until
the store is within its count, byte and age limits. Runs after every add and on demand; age is judged from each entry's
`received` field against ARGV now, never from key expiry or the server clock.

KEYS[1]  list    STREAM  dead-letter summaries (field "bytes": what the entry stores)
KEYS[2]  bodies  HASH    stream entry id -> body
KEYS[3]  bytes   STRING  total bytes stored
KEYS[4]  expiry  ZSET    stream entry id -> when the letter must go (its source's text period)

ARGV[1]  now, epoch ms
ARGV[2]  max entries
ARGV[3]  max bytes
ARGV[4]  max age, ms
ARGV[5]  entry id to keep even when it alone is over a limit ("" for none): the one just added
ARGV[6]  most entries to evict in this call (bounds the script's run time; the next call
         carries on)

Returns {evicted, entries left, bytes left}.
]]
local now = tonumber(ARGV[1])
local maxEntries = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
local oldestKept = now - tonumber(ARGV[4])
local keep = ARGV[5]
local budget = tonumber(ARGV[6])

local entries = redis.call('XLEN', KEYS[1])
local bytes = tonumber(redis.call('GET', KEYS[3]) or '0')
local evicted = 0

local function sizeOf(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'bytes' then return tonumber(fields[i + 1]) or 0 end
  end
  return 0
end

-- Letters past their text period, whatever their place: a body may hold prompts.
local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. now, 'LIMIT', 0, budget)
for i = 1, #due do
  local entry = redis.call('XRANGE', KEYS[1], due[i], due[i])[1]
  if entry then
    redis.call('XDEL', KEYS[1], due[i])
    entries = entries - 1
    bytes = bytes - sizeOf(entry[2])
    evicted = evicted + 1
  end
  redis.call('HDEL', KEYS[2], due[i])
  redis.call('ZREM', KEYS[4], due[i])
end

while evicted < budget and entries > 0 do
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  if not oldest or oldest[1] == keep then break end
  local size, received = 0, now
  local f = oldest[2]
  for i = 1, #f, 2 do
    if f[i] == 'bytes' then size = tonumber(f[i + 1]) or 0 end
    if f[i] == 'received' then received = tonumber(f[i + 1]) or now end
  end
  if entries <= maxEntries and bytes <= maxBytes and received >= oldestKept then break end
  redis.call('XDEL', KEYS[1], oldest[1])
  redis.call('HDEL', KEYS[2], oldest[1])
  redis.call('ZREM', KEYS[4], oldest[1])
  entries = entries - 1
  bytes = bytes - size
  evicted = evicted + 1
end
if evicted > 0 then
  if bytes < 0 then bytes = 0 end
  redis.call('SET', KEYS[3], bytes)
end
return {evicted, entries, bytes}
