--[[
createApproval: create a pending approval unless it exists (approval ids are deterministic per
run, state and step, so a re-performed effect does not create a second one).

KEYS[1] approval HASH the approval record
KEYS[2] index    ZSET approval id -> created time (ms)
KEYS[3] pending  ZSET pending approval id -> expiry time (ms)
KEYS[4] byRun    SET ids of the approvals of this approval's run
KEYS[5] changes  STREAM the change feed (GET /v1/stream): {k = 'approval', id} per change

ARGV[1] approval id
ARGV[2] fields, JSON object of strings (includes createdAt and expiresAt)
ARGV[3] created time, epoch ms
ARGV[4] expiry time, epoch ms
ARGV[5] change feed length kept (approximate MAXLEN)

Returns 1 created, 0 it already existed.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for k, v in pairs(cjson.decode(ARGV[2])) do redis.call('HSET', KEYS[1], k, v) end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'status', 'pending', 'votes', '[]')
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[4]), ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*', 'k', 'approval', 'id', ARGV[1])
return 1
