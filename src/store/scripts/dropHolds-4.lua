--[[
dropHolds: an explicit release (ratelimit.clear, key.unblock, access.allow run as a step of its
own, not as an undo) lifted the target's containment whoever held it. Its holds become dropped
holds (d:<effect key>): the later undo of one of them does nothing outside (a hold placed since,
by another run, must stay in force) and only takes the mark off (releaseHold). The release's
result is recorded in its ledger entry in the same step, so a retry answers from the ledger
and never acts (nor drops holds placed since) again. Called with the target taken (lockHolds),
right after the release acted.

KEYS[1] holds   HASH the target's holds (see holdEffect)
KEYS[2] ledger  HASH the release's ledger entry
KEYS[3] effects ZSET effect key -> time recorded (ms), for retention
KEYS[4] held    ZSET the targets held now (see holdEffect): this target leaves it

ARGV[1] now, epoch ms
ARGV[2] effect key of the release
ARGV[3] run id
ARGV[4] the release's result, JSON
ARGV[5] the target's member in KEYS[4]: JSON [instance, family, target]

Returns the stored result JSON (this one, or the one recorded before: then nothing changes).
]]
local done = redis.call('HGET', KEYS[2], 'result')
if done then return done end
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 2) == 'h:' then
    local effect = string.sub(name, 3)
    redis.call('HSET', KEYS[1], 'd:' .. effect, '1')
    redis.call('HDEL', KEYS[1], name, 's:' .. effect)
  end
end
redis.call('HDEL', KEYS[1], 'base', 'basememo', 'seq')
redis.call('ZREM', KEYS[4], ARGV[5])
redis.call('HSET', KEYS[2], 'status', 'done', 'result', ARGV[4], 'at', tonumber(ARGV[1]), 'run', ARGV[3])
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[2])
return ARGV[4]
