--[[
releaseHold: the undo of a held effect (holdEffect) takes its hold off the target's stack and
says what the undo must do outside, decided once per undo effect key (a retry gets the same
answer, kept in the undo's ledger entry as memo:hold-release):
  {held:false}                   the effect held nothing here (placed before holds were kept,
                                 or dropped by an explicit release): its own undo runs;
  {held:true, last:true, base}   it was the last hold: the base's undo restores what was there
                                 before any hold (base: the base entry as holdEffect stored it);
  {held:true, last:false, top, by, beneath}
                                 others still hold the target (by: their effect keys, newest
                                 first), so it stays contained; top: the hold taken off was the
                                 newest, and `beneath` (the newest left) is what should be in
                                 force now.

KEYS[1] holds   HASH the target's holds (see holdEffect)
KEYS[2] ledger  HASH the undo's own ledger entry
KEYS[3] effects ZSET effect key -> time recorded (ms), for retention

ARGV[1] now, epoch ms
ARGV[2] effect key of the held effect being undone
ARGV[3] effect key of this undo
ARGV[4] run id of this undo

Returns the decision JSON.
]]
local decided = redis.call('HGET', KEYS[2], 'memo:hold-release')
if decided then return decided end
local own = redis.call('HGET', KEYS[1], 'h:' .. ARGV[2])
local decision
if not own then
  decision = '{"held":false}'
else
  local mine = tonumber(redis.call('HGET', KEYS[1], 's:' .. ARGV[2]))
  redis.call('HDEL', KEYS[1], 'h:' .. ARGV[2], 's:' .. ARGV[2])
  local left = {}
  local flat = redis.call('HGETALL', KEYS[1])
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 2) == 's:' then
      table.insert(left, { effect = string.sub(flat[i], 3), seq = tonumber(flat[i + 1]) })
    end
  end
  if #left == 0 then
    local base = redis.call('HGET', KEYS[1], 'base') or own
    redis.call('DEL', KEYS[1])
    decision = '{"held":true,"last":true,"base":' .. base .. '}'
  else
    table.sort(left, function(a, b) return a.seq > b.seq end)
    local by = {}
    for i, e in ipairs(left) do by[i] = e.effect end
    local beneath = redis.call('HGET', KEYS[1], 'h:' .. left[1].effect)
    decision = '{"held":true,"last":false,"top":' .. tostring(mine > left[1].seq) ..
      ',"by":' .. cjson.encode(by) .. ',"beneath":' .. beneath .. '}'
  end
end
redis.call('HSET', KEYS[2], 'memo:hold-release', decision, 'run', ARGV[4])
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[3])
return decision
