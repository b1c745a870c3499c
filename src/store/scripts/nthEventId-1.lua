--[[
nthEventId: the id of the n-th oldest entry of the event log, found inside Redis so the
entries themselves never cross the wire (count-based retention trims up to it).

KEYS[1] log  STREAM

ARGV[1] n, at least 1

Returns the stream entry id, or false when the log is empty.
]]
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[1]))
if #entries == 0 then return false end
return entries[#entries][1]
