--[[
escalateApproval: apply one escalation step of a pending approval, once. Widens the roles that
may decide (votes cast afterwards are checked against them), records the step, moves the next
escalation time, and appends the run's timeline entry in the same atomic step, so a timer that
fires twice (a redelivery, a second runner process, a crash and resume) escalates once.

KEYS[1] approval HASH the approval record (status, roles JSON, escalations JSON)
KEYS[2] timeline LIST the run's timeline (oldest first, capped at 2000 as saveRun caps it)
KEYS[3] changes  STREAM the change feed (GET /v1/stream): {k = 'approval', id} per change

ARGV[1] now, epoch ms
ARGV[2] escalation index (0-based, as declared)
ARGV[3] roles to add, JSON array of strings
ARGV[4] the escalation record to keep, JSON object
ARGV[5] next escalation time, epoch ms ('' = none after this one)
ARGV[6] timeline entry, JSON string
ARGV[7] change feed length kept (approximate MAXLEN)

Returns {code, status}: 1 escalated now, 2 already escalated (this index), 0 not pending (status
says what it is), -1 no such approval.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, ''} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return {0, status} end
local index = tonumber(ARGV[2])
local escalations = cjson.decode(redis.call('HGET', KEYS[1], 'escalations') or '[]')
for _, e in ipairs(escalations) do
  if tonumber(e.index) == index then return {2, status} end
end
local roles = cjson.decode(redis.call('HGET', KEYS[1], 'roles') or '[]')
local have = {}
for _, r in ipairs(roles) do have[r] = true end
for _, r in ipairs(cjson.decode(ARGV[3])) do
  if not have[r] then
    roles[#roles + 1] = r
    have[r] = true
  end
end
escalations[#escalations + 1] = cjson.decode(ARGV[4])
redis.call('HSET', KEYS[1], 'roles', cjson.encode(roles), 'escalations', cjson.encode(escalations))
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[1], 'nextEscalationAt')
else
  redis.call('HSET', KEYS[1], 'nextEscalationAt', ARGV[5])
end
redis.call('RPUSH', KEYS[2], ARGV[6])
redis.call('LTRIM', KEYS[2], -2000, -1)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'k', 'approval', 'id', redis.call('HGET', KEYS[1], 'id'))
return {1, status}
