--[[
checkLimit: the gateway's per-request decision for one key (fixed window counter).

KEYS[1] rule     HASH the key's limit (absent = no limit)
KEYS[2] counter  HASH window (index of the current window), count

ARGV[1] now, epoch ms

Returns JSON {decision = "allow" | "throttle" | "block", limit, remaining, resetMs, expiresAt}.
A limit whose expiresAt <= now no longer applies, whether or not Redis has expired the key; the
newest of the limits it went over (the rule's `under`, see setLimit) that still does applies.
]]
local now = tonumber(ARGV[1])
local r = redis.call('HMGET', KEYS[1], 'mode', 'count', 'windowMs', 'expiresAt', 'under')
local mode, count, windowMs, expiresAt = r[1], r[2], r[3], tonumber(r[4] or '0')
if mode and expiresAt > 0 and now >= expiresAt then
  -- The limit on top has lifted; one it went over (setLimit) may still hold.
  mode = false
  if r[5] and r[5] ~= '' then
    for _, l in ipairs(cjson.decode(r[5])) do
      local e = tonumber(l.expiresAt)
      if e == 0 or now < e then
        mode, count, windowMs, expiresAt = l.mode, l.count, l.windowMs, e
        break
      end
    end
  end
end
if not mode then
  return cjson.encode({ decision = 'allow' })
end
if mode == 'block' then
  return cjson.encode({ decision = 'block', expiresAt = expiresAt })
end
local limit = tonumber(count)
windowMs = tonumber(windowMs)
local window = math.floor(now / windowMs)
local c = redis.call('HMGET', KEYS[2], 'window', 'count')
local count = 0
if tonumber(c[1] or '-1') == window then count = tonumber(c[2] or '0') end
count = count + 1
redis.call('HSET', KEYS[2], 'window', window, 'count', count)
redis.call('PEXPIRE', KEYS[2], windowMs * 2)
local resetMs = (window + 1) * windowMs - now
if count > limit then
  return cjson.encode({ decision = 'throttle', limit = limit, remaining = 0, resetMs = resetMs, expiresAt = expiresAt })
end
return cjson.encode({ decision = 'allow', limit = limit, remaining = limit - count, resetMs = resetMs, expiresAt = expiresAt })
