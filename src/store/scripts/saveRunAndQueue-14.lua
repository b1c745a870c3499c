--[[
saveRunAndQueue: saveRun, and in the same atomic step the BullMQ jobs the saved transition
queues (action jobs), so a step's save and its next job are one round trip and the job needs no
outbox entry (nothing to perform or clear after the save).

KEYS[1..5]  as saveRun: run, timeline, applied, active, changes
KEYS[6..14] the queue's keys in the order BullMQ's addStandardJob takes them: wait, paused,
            meta, id, completed, delayed, active, events, marker

ARGV[1]     number of jobs n
ARGV[2 .. 1+3n]  per job three values, as BullMQ's own code builds them for addStandardJob
            (packed args with the job id, job data JSON, packed options): see queued-job.ts
ARGV[2+3n ..]    as saveRun's ARGV (expected version first)

Returns as saveRun. The save's guard (version, event applied) is checked before any job is
added, and the jobs are added before the run is written: a refused save adds nothing, and a job
add that errors leaves the run unsaved (the event is applied again, the job id is the same).
]]
--- @include saveRun
--- @bullmq addStandardJob
local jobs = tonumber(ARGV[1])
local from = 2 + 3 * jobs
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return -1 end
if version ~= ARGV[from] then return 0 end
local applied = ARGV[from + 1]
if applied ~= '' and redis.call('SISMEMBER', KEYS[3], applied) == 1 then return 2 end
local queue = { KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14] }
for i = 0, jobs - 1 do
  local added = addStandardJob(queue, { ARGV[2 + 3 * i], ARGV[3 + 3 * i], ARGV[4 + 3 * i] })
  if type(added) == 'number' and added < 0 then
    return redis.error_reply('addStandardJob refused a job: ' .. added)
  end
end
return saveRun({ KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5] }, { unpack(ARGV, from) })
