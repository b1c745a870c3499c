--[[
expireApproval: mark a pending approval expired when its timeout fires. Loses to a decision
that was recorded first, so exactly one of "decided" and "timed out" wins.

KEYS[1] approval HASH
KEYS[2] pending  ZSET
KEYS[3] changes  STREAM the change feed (GET /v1/stream): {k = 'approval', id} per change

ARGV[1] now, epoch ms
ARGV[2] change feed length kept (approximate MAXLEN)

Returns {code, status}: 1 expired now, 0 not pending (status says what it is), 2 still pending
because its expiry is ahead of ARGV[1] (an early timer; try again later), -1 no such approval.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, ''} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return {0, status} end
if tonumber(ARGV[1]) < tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then return {2, 'pending'} end
redis.call('HSET', KEYS[1], 'status', 'expired', 'decidedAt', ARGV[1])
redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'k', 'approval', 'id', redis.call('HGET', KEYS[1], 'id'))
return {1, 'expired'}
