--[[
appendEvents: durably accept a batch of canonical events, skipping ones already seen.
Atomic for the whole batch, so a request is either fully logged or not at all.

KEYS[1]  order  LIST  "<accept time ms>:<source>/<event id>", oldest first (what to forget next)
KEYS[2]  where  HASH  "<source>/<event id>" -> stream entry id (the dedupe memory and look-ups)
KEYS[3]  log    STREAM  field "e" = canonical event JSON
KEYS[4]  legacy ZSET  the dedupe order of earlier versions (member -> accept time): drained, never
                      written, so a log written by them keeps its dedupe memory bounded
KEYS[5]  text   HASH  stream entry id -> {"text":…,"raw":…} of an event with prompt/response text,
                      kept apart so retention can remove it while the entry stays (see
                      forgetText-3.lua); the entry then has the field "t" = "1"
KEYS[6]  text order  LIST  "<accept time ms>:<stream entry id>", oldest first

ARGV[1]  now, epoch ms (an integer)
ARGV[2]  dedupe window, ms: ids older than now - window are forgotten (at most max(1000, 2n)
         per call, so forgetting always outpaces remembering)
ARGV[3]  n, number of events
ARGV[4 + 3i], ARGV[5 + 3i], ARGV[6 + 3i]  (i = 0 .. n-1): member, event JSON, the event's text
         JSON ("" when it has none)

Returns an array of n stream entry ids; a duplicate's entry is "dup:<stream id of the original>".

A LIST in accept order replaces a time-scored ZSET: appending and forgetting cost O(1) per id
instead of a skiplist insert and delete, about half of this script's cost. The head is read in
small pages that grow only while everything read has expired, so a call with nothing to forget
reads one page. Accept times of several API processes interleave a few ms out of order:
forgetting stops at the first id inside the window, so such an id is forgotten a few ms late,
never early. An id stamped more than a window ahead of now (a clock stepped back, a bad clock)
would hold back everything behind it: it is forgotten at once, so memory stays bounded.
]]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local horizon = now - window
local ahead = now + window
local n = tonumber(ARGV[3])
local budget = math.max(1000, 2 * n)

-- unpack() is bounded by Lua's stack, so forget in chunks.
local function hdel(members)
  for i = 1, #members, 500 do
    redis.call('HDEL', KEYS[2], unpack(members, i, math.min(i + 499, #members)))
  end
end

local legacy = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. horizon, 'LIMIT', 0, budget)
for i = 1, #legacy, 500 do
  redis.call('ZREM', KEYS[4], unpack(legacy, i, math.min(i + 499, #legacy)))
end
hdel(legacy)

local forgotten = 0
local page = 4
while forgotten < budget do
  local head = redis.call('LRANGE', KEYS[1], 0, math.min(page, budget - forgotten) - 1)
  local expired = {}
  local inside = false
  for i = 1, #head do
    local at = string.find(head[i], ':', 1, true)
    local stamp = tonumber(string.sub(head[i], 1, at - 1))
    if stamp >= horizon and stamp <= ahead then
      inside = true
      break
    end
    expired[i] = string.sub(head[i], at + 1)
  end
  if #expired > 0 then
    redis.call('LTRIM', KEYS[1], #expired, -1)
    hdel(expired)
    forgotten = forgotten + #expired
  end
  if inside or #head < page then break end
  page = page * 4
end

local stamp = ARGV[1] .. ':'
local out = {}

-- Every member looked up in one HMGET per 500, and the new ones written in one HSET and one
-- RPUSH per 500 at the end, instead of an HGET, HSET and RPUSH per event: each redis.call
-- costs Lua and command set-up, which was most of this script's time besides the XADD.
-- `fresh` answers a member repeated within the batch as a duplicate of its first.
local originals = {}
for i = 0, n - 1, 500 do
  local members = {}
  for j = i, math.min(i + 499, n - 1) do
    members[#members + 1] = ARGV[4 + 3 * j]
  end
  local found = redis.call('HMGET', KEYS[2], unpack(members))
  for j = 1, #found do
    originals[i + j] = found[j]
  end
end

local fresh = {}
local where = {}
local order = {}
local texts = {}
local textOrder = {}
for i = 0, n - 1 do
  local member = ARGV[4 + 3 * i]
  local original = originals[i + 1] or fresh[member]
  if original then
    out[#out + 1] = 'dup:' .. original
  else
    local text = ARGV[6 + 3 * i]
    local seq
    if text == '' then
      seq = redis.call('XADD', KEYS[3], '*', 'e', ARGV[5 + 3 * i])
    else
      seq = redis.call('XADD', KEYS[3], '*', 'e', ARGV[5 + 3 * i], 't', '1')
      texts[#texts + 1] = seq
      texts[#texts + 1] = text
      textOrder[#textOrder + 1] = stamp .. seq
    end
    fresh[member] = seq
    where[#where + 1] = member
    where[#where + 1] = seq
    order[#order + 1] = stamp .. member
    out[#out + 1] = seq
  end
end

-- In chunks: unpack() is bounded by Lua's stack.
local function write(command, key, values, step)
  for i = 1, #values, step do
    redis.call(command, key, unpack(values, i, math.min(i + step - 1, #values)))
  end
end
write('HSET', KEYS[2], where, 1000)
write('RPUSH', KEYS[1], order, 500)
write('HSET', KEYS[5], texts, 1000)
write('RPUSH', KEYS[6], textOrder, 500)
return out
