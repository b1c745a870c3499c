--[[
holdEffect: record that an effect holds containment on a target in a system outside Redis (a
Kong consumer's rate limit, a blocked LiteLLM key), so that runs which contain the same target
at once take back only their own hold (actions/connectors/holds.ts), and record the effect's
result in its ledger entry in the same step: a retry then answers from the ledger and never
acts again, and a hold is never there without its record (nor a record without its hold).
Holds of one family on one connector instance and target stack, newest on top; the first hold
on an empty stack is the base, whose undo restores what was there before any of them. Called
with the target taken (lockHolds), right after the effect acted.

KEYS[1] holds   HASH the target's holds: h:<effect key> -> entry JSON (stored as given: cjson
                would rewrite its numbers and empty arrays), s:<effect key> -> its place in the
                stack, `seq` -> the last place given, `base` -> the base entry JSON (until the
                stack is empty), `basememo` -> the base's memos (name -> JSON), d:<effect key>
                -> a hold an explicit release dropped
KEYS[2] ledger  HASH the effect's ledger entry
KEYS[3] effects ZSET effect key -> time recorded (ms), for retention
KEYS[4] held    ZSET the targets held now: member ARGV[6] -> time of the newest hold placed
                (ms; never lowered, so a process whose clock is behind cannot move a target
                down the list under a client paging through it), what GET /v1/containment
                pages through; releaseHold and dropHolds take a target off when no hold is left

ARGV[1] now, epoch ms
ARGV[2] effect key
ARGV[3] run id
ARGV[4] entry JSON: {effect, operation, inputs, result, run, at}
ARGV[5] the effect's result, JSON (as recordEffect records it)
ARGV[6] the target's member in KEYS[4]: JSON [instance, family, target]

Returns the stored result JSON (this one, or the one recorded before: then nothing changes).
]]
local done = redis.call('HGET', KEYS[2], 'result')
if done then return done end
if redis.call('HEXISTS', KEYS[1], 'h:' .. ARGV[2]) == 0 then
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  if redis.call('HSETNX', KEYS[1], 'base', ARGV[4]) == 1 then
    -- What the base kept while it acted (memo:<name>: the credentials a block removed), for
    -- the last undo: the base's own ledger entry may be swept by retention long before.
    local memos = {}
    local flat = redis.call('HGETALL', KEYS[2])
    for i = 1, #flat, 2 do
      if string.sub(flat[i], 1, 5) == 'memo:' then memos[string.sub(flat[i], 6)] = flat[i + 1] end
    end
    redis.call('HSET', KEYS[1], 'basememo', next(memos) and cjson.encode(memos) or '{}')
  end
  redis.call('HSET', KEYS[1], 'h:' .. ARGV[2], ARGV[4], 's:' .. ARGV[2], seq)
  local placed = redis.call('ZSCORE', KEYS[4], ARGV[6])
  if not placed or tonumber(placed) < tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[4], tonumber(ARGV[1]), ARGV[6])
  end
end
redis.call('HSET', KEYS[2], 'status', 'done', 'result', ARGV[5], 'at', tonumber(ARGV[1]), 'run', ARGV[3])
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[2])
return ARGV[5]
