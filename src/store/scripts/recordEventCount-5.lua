--[[
recordEventCount: count one event into an event_count correlation's sliding event-time window
for one group, and fire a match when the threshold is crossed (Sigma event_count, gt/gte).

Semantics (reference/correlation-anchors.md §3.1):
- The rule watermark is W = maxT - O (maxT = largest event time seen for the rule, O = bounded
  out-of-orderness). An event with t < W is late; with t < W - L (L = allowed lateness) it is
  too late: dropped and counted (it stays in the event log for replay).
- Windows are inclusive [s, s + T]. An event at or after maxT counts the window [t - T, t];
  an earlier one, the best window of length T that contains it. A match reports the window
  ending at its last contributing event, [lastT - T, lastT], whatever the arrival order.
- Group keys get a TTL of `idle` ms for garbage collection only: it is set a day or more beyond
  anything still countable, so it never decides a result.
- On a match the contributing events move to the consumed set (action: reset), so they never
  count twice, and the match is written to the rule's outbox in the same atomic step. A match id
  is deterministic: the same events always produce the same id, on any worker or replay.

KEYS[1] window    ZSET member = event ref "<source>/<id>", score = event time (ms); not yet consumed
KEYS[2] consumed  ZSET event refs already part of a match (same scores)
KEYS[3] state     HASH per rule: maxT, late_dropped, duplicates, matches, evicted_events, evicted_consumed
KEYS[4] pending   HASH outbox: match id -> match JSON, removed once the incident is recorded
KEYS[5] groups    ZSET group hash -> last processing time (ms), bounds the number of groups

ARGV[1]  event ref
ARGV[2]  event time t, epoch ms
ARGV[3]  timespan T, ms
ARGV[4]  allowed lateness L, ms
ARGV[5]  threshold (integer)
ARGV[6]  "gt" or "gte"
ARGV[7]  max events kept per group, in the window and in the consumed set (oldest evicted beyond
         it; a match is flagged partial when its window lost events)
ARGV[8]  now, processing time, epoch ms
ARGV[9]  rule key
ARGV[10] group key (canonical JSON of the group-by values)
ARGV[11] group hash (this group's key suffix)
ARGV[12] max groups per rule
ARGV[13] max event refs listed in a match
ARGV[14] bounded out-of-orderness O, ms
ARGV[15] idle time after which a group's keys are collected, ms (processing time)

Returns {status, count, match id, match JSON}; status:
  0 counted, no match   1 counted and matched   2 duplicate (already counted or consumed)
  3 too late, dropped   4 the rule is at its group limit: evict the stalest group, then retry
]]
local ref = ARGV[1]
local t = tonumber(ARGV[2])
local T = tonumber(ARGV[3])
local L = tonumber(ARGV[4])
local threshold = tonumber(ARGV[5])
local op = ARGV[6]
local maxEvents = tonumber(ARGV[7])
local now = tonumber(ARGV[8])
local ruleKey = ARGV[9]
local groupKey = ARGV[10]
local groupHash = ARGV[11]
local maxGroups = tonumber(ARGV[12])
local maxRefs = tonumber(ARGV[13])
local O = tonumber(ARGV[14])
local idle = tonumber(ARGV[15])

local maxTRaw = redis.call('HGET', KEYS[3], 'maxT')
local maxT = maxTRaw and tonumber(maxTRaw) or nil

if maxT and t < maxT - O - L then
  redis.call('HINCRBY', KEYS[3], 'late_dropped', 1)
  return {3, 0, '', ''}
end
if redis.call('ZSCORE', KEYS[1], ref) or redis.call('ZSCORE', KEYS[2], ref) then
  redis.call('HINCRBY', KEYS[3], 'duplicates', 1)
  return {2, 0, '', ''}
end
if not redis.call('ZSCORE', KEYS[5], groupHash) and redis.call('ZCARD', KEYS[5]) >= maxGroups then
  return {4, 0, '', ''}
end

redis.call('ZADD', KEYS[1], t, ref)
redis.call('ZADD', KEYS[5], now, groupHash)
-- Groups idle for longer than `idle` are forgotten by the index too (their keys expire).
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (now - idle))
local late = maxT ~= nil and t < maxT - O
local inOrder = not maxT or t >= maxT
if not maxT or t > maxT then
  maxT = t
  redis.call('HSET', KEYS[3], 'maxT', t)
end

-- The oldest event still accepted is at W - L; nothing before W - L - T shares a window with it.
local keepFrom = maxT - O - L - T
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. keepFrom)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. keepFrom)
redis.call('PEXPIRE', KEYS[1], idle)
redis.call('PEXPIRE', KEYS[2], idle)

local partial = false
local size = redis.call('ZCARD', KEYS[1])
if size > maxEvents then
  redis.call('ZPOPMIN', KEYS[1], size - maxEvents)
  redis.call('HINCRBY', KEYS[3], 'evicted_events', size - maxEvents)
  partial = true
end
-- The consumed set only remembers refs for deduplication; it is capped the same way (an evicted
-- ref redelivered later would count again, which the counter makes visible).
local consumed = redis.call('ZCARD', KEYS[2])
if consumed > maxEvents then
  redis.call('ZPOPMIN', KEYS[2], consumed - maxEvents)
  redis.call('HINCRBY', KEYS[3], 'evicted_consumed', consumed - maxEvents)
end

local count, lo
if inOrder then
  lo = t - T
  count = redis.call('ZCOUNT', KEYS[1], lo, t)
else
  local flat = redis.call('ZRANGEBYSCORE', KEYS[1], t - T, t + T, 'WITHSCORES')
  local scores = {}
  for i = 2, #flat, 2 do scores[#scores + 1] = tonumber(flat[i]) end
  count, lo = 0, t - T
  local j = 1
  for i = 1, #scores do
    if scores[i] > t then break end
    if j < i then j = i end
    while j < #scores and scores[j + 1] <= scores[i] + T do j = j + 1 end
    if j - i + 1 > count then
      count = j - i + 1
      lo = scores[i]
    end
  end
end

local met = (op == 'gt' and count > threshold) or (op == 'gte' and count >= threshold)
if not met then return {0, count, '', ''} end

local hi = lo + T
local members = redis.call('ZRANGEBYSCORE', KEYS[1], lo, hi, 'WITHSCORES')
local refs = {}
local firstRef, firstT, lastT = members[1], tonumber(members[2]), tonumber(members[#members])
for i = 1, #members, 2 do
  redis.call('ZREM', KEYS[1], members[i])
  redis.call('ZADD', KEYS[2], members[i + 1], members[i])
  if #refs < maxRefs then refs[#refs + 1] = members[i] end
end

local matchId = 'm_' .. string.sub(redis.sha1hex(ruleKey .. '\n' .. groupKey .. '\n' .. members[2] .. '\n' .. firstRef), 1, 32)
local match = cjson.encode({
  matchId = matchId,
  rule = ruleKey,
  groupKey = groupKey,
  count = #members / 2,
  firstTime = firstT,
  lastTime = lastT,
  windowStart = lastT - T,
  windowEnd = lastT,
  firedAt = now,
  late = late,
  partial = partial,
  refs = refs,
})
redis.call('HSET', KEYS[4], matchId, match)
redis.call('HINCRBY', KEYS[3], 'matches', 1)
return {1, #members / 2, matchId, match}
