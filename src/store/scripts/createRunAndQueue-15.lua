--[[
createRunAndQueue: createRun, and in the same atomic step the BullMQ jobs the run's first
state queues (action jobs): a run starts in one round trip and its first job needs no outbox
entry.

KEYS[1..6]  as createRun: run, timeline, index, active, incidentRuns, changes
KEYS[7..15] the queue's keys in the order BullMQ's addStandardJob takes them: wait, paused,
            meta, id, completed, delayed, active, events, marker

ARGV[1]     number of jobs n
ARGV[2 .. 1+3n]  per job three values, as BullMQ's own code builds them for addStandardJob
            (packed args with the job id, job data JSON, packed options): see queued-job.ts
ARGV[2+3n ..]    as createRun's ARGV

Returns as createRun. A run that exists already adds no job; the jobs are added before the run
is written, so a job add that errors leaves no run (the start is tried again).
]]
--- @include createRun
--- @bullmq addStandardJob
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local jobs = tonumber(ARGV[1])
local queue = { KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15] }
for i = 0, jobs - 1 do
  local added = addStandardJob(queue, { ARGV[2 + 3 * i], ARGV[3 + 3 * i], ARGV[4 + 3 * i] })
  if type(added) == 'number' and added < 0 then
    return redis.error_reply('addStandardJob refused a job: ' .. added)
  end
end
return createRun({ KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6] }, { unpack(ARGV, 2 + 3 * jobs) })
