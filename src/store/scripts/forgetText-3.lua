--[[
forgetText: removes the prompt/response text (and the raw item, which holds the same text) of
events accepted before a horizon, and of events the log no longer holds. The events themselves
stay in the log, read back without `text` and `raw` (see appendEvents-6.lua for how text is kept
apart).

KEYS[1]  text   HASH  stream entry id -> {"text":…,"raw":…}
KEYS[2]  order  LIST  "<accept time ms>:<stream entry id>", oldest first
KEYS[3]  log    STREAM  the event log: text of an entry before its first entry is an orphan

ARGV[1]  horizon, epoch ms: text accepted before it is removed (-1: none by age, orphans only)
ARGV[2]  limit: at most this many texts are removed per call
ARGV[3]  keepFrom, a stream id: the oldest entry some correlator has yet to checkpoint past
         ('0-0': none known). Text of an entry at or after it stays whatever its age, as the
         log is not trimmed under a correlator either (rules may read the text).

Returns the number removed. The head is read in pages that grow only while everything read
was due, so a call with nothing to do reads one page; it stops at the first text still due to
stay (accept times of several API processes interleave by a few ms: such a text goes a few ms
late, never early).
]]
local horizon = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])

local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end

local keepMs, keepSeq = parse(ARGV[3])
-- '0-0' names no correlator position: age alone decides.
local function unread(id)
  if keepMs == 0 and keepSeq == 0 then return false end
  local ms, seq = parse(id)
  return ms > keepMs or (ms == keepMs and seq >= keepSeq)
end

local first = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)[1]
local firstMs, firstSeq
if first then firstMs, firstSeq = parse(first[1]) end

-- An entry before the log's first one was trimmed: its text has no event left.
local function trimmed(id)
  if not first then return true end
  local ms, seq = parse(id)
  return ms < firstMs or (ms == firstMs and seq < firstSeq)
end

local removed = 0
local page = 4
while removed < limit do
  local head = redis.call('LRANGE', KEYS[2], 0, math.min(page, limit - removed) - 1)
  local due = {}
  local stop = false
  for i = 1, #head do
    local at = string.find(head[i], ':', 1, true)
    local stamp = tonumber(string.sub(head[i], 1, at - 1))
    local id = string.sub(head[i], at + 1)
    if trimmed(id) or (stamp < horizon and not unread(id)) then
      due[#due + 1] = id
    else
      stop = true
      break
    end
  end
  if #due > 0 then
    redis.call('LTRIM', KEYS[2], #due, -1)
    for i = 1, #due, 500 do
      redis.call('HDEL', KEYS[1], unpack(due, i, math.min(i + 499, #due)))
    end
    removed = removed + #due
  end
  if stop or #head < page then break end
  page = page * 4
end
return removed
