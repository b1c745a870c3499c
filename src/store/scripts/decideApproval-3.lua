--[[
decideApproval: record one approver's decision. A rejection decides at once; approvals decide
when `quorum` distinct principals have approved. An approval past its expiry can no longer
be decided (it is marked expired here if the timer has not done so yet).

KEYS[1] approval HASH the approval record (status, quorum, expiresAt, votes JSON)
KEYS[2] pending  ZSET pending approval id -> expiry time
KEYS[3] changes  STREAM the change feed (GET /v1/stream): {k = 'approval', id} per change

ARGV[1] now, epoch ms
ARGV[2] "approve" | "reject"
ARGV[3] principal id
ARGV[4] role the principal decided under
ARGV[5] comment
ARGV[6] change feed length kept (approximate MAXLEN)

Returns {code, status}:
  1 decided (status approved or rejected)   2 vote recorded, still pending (quorum not met)
  0 not pending (status says why)   -1 no such approval   -2 expired   -3 this principal already voted
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, ''} end
local function changed()
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'k', 'approval', 'id', redis.call('HGET', KEYS[1], 'id'))
end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return {0, status} end
local now = tonumber(ARGV[1])
local id = redis.call('HGET', KEYS[1], 'id')
if now >= tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then
  redis.call('HSET', KEYS[1], 'status', 'expired', 'decidedAt', now)
  redis.call('ZREM', KEYS[2], id)
  changed()
  return {-2, 'expired'}
end
local votes = cjson.decode(redis.call('HGET', KEYS[1], 'votes'))
for _, v in ipairs(votes) do
  if v.by == ARGV[3] then return {-3, status} end
end
local decision = ARGV[2] == 'approve' and 'approved' or 'rejected'
votes[#votes + 1] = { by = ARGV[3], role = ARGV[4], decision = decision, comment = ARGV[5], at = now }
redis.call('HSET', KEYS[1], 'votes', cjson.encode(votes))
local approvals = 0
for _, v in ipairs(votes) do
  if v.decision == 'approved' then approvals = approvals + 1 end
end
if decision == 'rejected' or approvals >= tonumber(redis.call('HGET', KEYS[1], 'quorum')) then
  redis.call('HSET', KEYS[1], 'status', decision, 'decidedAt', now)
  redis.call('ZREM', KEYS[2], id)
  changed()
  return {1, decision}
end
changed()
return {2, 'pending'}
