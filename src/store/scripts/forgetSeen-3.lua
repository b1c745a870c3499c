--[[
forgetSeen: forget, in a bounded step, the ingest dedupe memory's ids accepted before a horizon.
appendEvents forgets as it goes; the retention sweeper finishes the job when ingest is quiet.

KEYS[1] order  LIST "<accept time ms>:<source>/<event id>", oldest first
KEYS[2] where  HASH "<source>/<event id>" -> stream entry id
KEYS[3] legacy ZSET member -> accept time, written by earlier versions (drained first)

ARGV[1] horizon, epoch ms: ids accepted before it are forgotten
ARGV[2] at most this many ids
ARGV[3] ahead, epoch ms: an id stamped later than this (a clock stepped back) is forgotten too,
        since it would hold back every id behind it (appendEvents says why)

Returns the number of ids forgotten.
]]
local horizon = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local ahead = tonumber(ARGV[3])

local forgotten = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. horizon, 'LIMIT', 0, limit)
for i = 1, #forgotten, 500 do
  redis.call('ZREM', KEYS[3], unpack(forgotten, i, math.min(i + 499, #forgotten)))
end

local fromList = 0
if #forgotten < limit then
  local head = redis.call('LRANGE', KEYS[1], 0, limit - #forgotten - 1)
  for i = 1, #head do
    local at = string.find(head[i], ':', 1, true)
    local stamp = tonumber(string.sub(head[i], 1, at - 1))
    if stamp >= horizon and stamp <= ahead then break end
    forgotten[#forgotten + 1] = string.sub(head[i], at + 1)
    fromList = fromList + 1
  end
  if fromList > 0 then redis.call('LTRIM', KEYS[1], fromList, -1) end
end

for i = 1, #forgotten, 500 do
  redis.call('HDEL', KEYS[2], unpack(forgotten, i, math.min(i + 499, #forgotten)))
end
return #forgotten
