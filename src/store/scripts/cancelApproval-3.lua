--[[
cancelApproval: withdraw a pending approval because its run no longer waits for it (the run
was cancelled, or the parallel branch it belongs to lost a join). A cancelled approval can no
longer be decided (decideApproval answers "not pending"); a decision recorded first wins.

KEYS[1] approval HASH
KEYS[2] pending  ZSET
KEYS[3] changes  STREAM the change feed (GET /v1/stream): {k = 'approval', id} per change

ARGV[1] now, epoch ms
ARGV[2] change feed length kept (approximate MAXLEN)

Returns {code, status}: 1 cancelled now, 0 not pending (status says what it is), -1 no such approval.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, ''} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return {0, status} end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'decidedAt', ARGV[1])
redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'k', 'approval', 'id', redis.call('HGET', KEYS[1], 'id'))
return {1, 'cancelled'}
