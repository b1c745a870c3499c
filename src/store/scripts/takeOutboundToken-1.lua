--[[
takeOutboundToken: books one request of a connector instance's outbound rate limit, shared by
every Cordon process (token bucket; a booking may drive the balance below zero, and the
caller then waits until the bucket has refilled to it, so bookings are served in order).

KEYS[1] bucket   HASH tokens (may be negative), at (epoch ms of the last refill)

ARGV[1] now, epoch ms
ARGV[2] capacity: tokens when full (the rate's count; also the burst after an idle period)
ARGV[3] windowMs: the time to refill `capacity` tokens
ARGV[4] maxWaitMs: a booking that would wait longer than this is not made

Returns the wait in ms before sending (0 = now), or -wait when the booking was refused because
it would wait longer than maxWaitMs (nothing is booked then).
]]
local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local maxWait = tonumber(ARGV[4])
local perMs = capacity / windowMs
local r = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(r[1] or capacity), tonumber(r[2] or now)
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * perMs)
  at = now
end
local after = tokens - 1
local wait = 0
if after < 0 then wait = math.ceil(-after / perMs) end
if wait > maxWait then return -wait end
redis.call('HSET', KEYS[1], 'tokens', tostring(after), 'at', at)
redis.call('PEXPIRE', KEYS[1], windowMs + wait + 1000)
return wait
