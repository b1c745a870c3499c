import { readFileSync } from 'node:fs';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunContext } from '../../../src/playbook/definition/compile-playbook.js';
import { queuedJobs } from '../../../src/playbook/runtime/jobs.js';
import {
  BULLMQ_CHECKED_VERSION,
  encodeStandardJob,
} from '../../../src/playbook/runtime/queued-job.js';
import type { RunRecord } from '../../../src/playbook/runtime/run-record.js';
import { RunStore } from '../../../src/store/run-store.js';
import { TEST_REDIS_URL } from '../../helpers/redis.js';
import { BASE, useStoreRedis } from './store-helpers.js';

/**
 * saveRunAndQueue-14.lua and createRunAndQueue-15.lua add a BullMQ job from our own script
 * (BullMQ's addStandardJob text inside it, its arguments built by BullMQ's own Job). These
 * tests pin that to the installed BullMQ: a real Worker must pick the job up and complete it,
 * and a refused save or create must add nothing.
 */
const env = useStoreRedis('store-run-queue');
let connection: Redis;

beforeAll(() => {
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(() => {
  connection.disconnect();
});

function context(id: string): RunContext {
  return {
    incident: { id: 'inc_1', title: 'Burst' },
    run: { id, playbook: 'pb', startedAt: BASE },
    steps: {},
    approvals: {},
    gate: null,
  };
}

function runRecord(id: string): RunRecord {
  return {
    id,
    playbookId: 'pb',
    playbookHash: 'f'.repeat(64),
    incidentId: 'inc_1',
    initiator: 'test',
    status: 'running',
    state: 'throttle',
    step: 1,
    version: 1,
    context: context(id),
    pendingEffects: [],
    createdAt: BASE,
    updatedAt: BASE,
    endedAt: undefined,
  };
}

const OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential' as const, delay: 100 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 3600 },
};

describe('a run saved with its next BullMQ job in one script', () => {
  it('checks the installed BullMQ is the version the job encoding was checked against', () => {
    const installed = (
      JSON.parse(
        readFileSync(new URL('../../../node_modules/bullmq/package.json', import.meta.url), 'utf8'),
      ) as { version: string }
    ).version;
    // If this fails after an upgrade: read BullMQ's addStandardJob (keys, arguments, answer)
    // and Job.addJob, run this file, then raise BULLMQ_CHECKED_VERSION in queued-job.ts.
    // Until then encodeStandardJob answers undefined and jobs go through the outbox.
    expect(installed).toBe(BULLMQ_CHECKED_VERSION);
  });

  it('a job created with the run and one added with a save are processed by a real Worker', async () => {
    const keys = env.fresh('worker');
    const store = new RunStore(env.t.redis, keys);
    const queue = new Queue('actions', { connection, prefix: keys.bullPrefix });
    const encode = (jobId: string, data: Record<string, unknown>) =>
      encodeStandardJob(queue, 'ratelimit.set', data, { ...OPTIONS, jobId });
    const first = encode('act_first', { step: 1, note: 'ü—"quoted"' });
    expect(first?.queueKeys).toHaveLength(9);

    const run = runRecord('run_q');
    const created = await store.createAndGet(run, [], queuedJobs([first!]));
    expect(created?.version).toBe(1);
    // A second create of the same run adds no job.
    expect(
      await store.createAndGet(run, [], queuedJobs([encode('act_again', { step: 9 })!])),
    ).toBeUndefined();

    const saved = await store.commit(
      created!,
      {
        status: 'running',
        state: 'open_case',
        step: 2,
        context: created!.context,
        pendingEffects: [],
        updatedAt: BASE + 1,
      },
      [],
      'ev-1',
      queuedJobs([encode('act_second', { step: 2 })!, encode('act_third', { step: 3 })!]),
    );
    expect(typeof saved).toBe('object');
    // A stale save (version 1 again) is refused and adds no job.
    expect(
      await store.commit(
        created!,
        {
          status: 'running',
          state: 'x',
          step: 2,
          context: created!.context,
          pendingEffects: [],
          updatedAt: BASE + 2,
        },
        [],
        'ev-2',
        queuedJobs([encode('act_stale', { step: 7 })!]),
      ),
    ).toBe('conflict');

    const seen: { id: string; data: unknown; attempts: number | undefined }[] = [];
    const worker = new Worker(
      'actions',
      async (job: Job) => {
        seen.push({ id: job.id!, data: job.data, attempts: job.opts.attempts });
        return { done: job.id };
      },
      { connection, prefix: keys.bullPrefix, concurrency: 4 },
    );
    try {
      for (let i = 0; i < 100 && seen.length < 3; i += 1)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200)); // a fourth job would have come by now
      expect(seen.map((s) => s.id).sort()).toEqual(['act_first', 'act_second', 'act_third']);
      expect(seen.find((s) => s.id === 'act_first')).toEqual({
        id: 'act_first',
        data: { step: 1, note: 'ü—"quoted"' },
        attempts: 3,
      });
      for (const id of ['act_first', 'act_second', 'act_third']) {
        const job = await queue.getJob(id);
        expect(await job?.getState()).toBe('completed');
        expect(job?.returnvalue).toEqual({ done: id });
      }
      expect(await queue.getJob('act_again')).toBeUndefined();
      expect(await queue.getJob('act_stale')).toBeUndefined();
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('leaves a delayed job to the ordinary add (no encoding)', async () => {
    const queue = new Queue('actions', { connection, prefix: env.fresh('delay').bullPrefix });
    try {
      expect(encodeStandardJob(queue, 'x', {}, { jobId: 'j1', delay: 1000 })).toBeUndefined();
    } finally {
      await queue.close();
    }
  });
});

describe('a sub-run created with its first BullMQ job (createSubRunAndQueue-16.lua)', () => {
  it('adds the job only while the parent rests at the call; a real Worker runs it', async () => {
    const keys = env.fresh('sub-worker');
    const store = new RunStore(env.t.redis, keys);
    const queue = new Queue('actions', { connection, prefix: keys.bullPrefix });
    const encode = (jobId: string) =>
      encodeStandardJob(queue, 'ratelimit.set', { jobId }, { ...OPTIONS, jobId });
    await store.create(
      { ...runRecord('run_parent'), state: 'contain', step: 2, leaves: { contain: 2 } },
      [],
    );
    const at = { runId: 'run_parent', state: 'contain', step: 2 };
    const child = (id: string): RunRecord => ({ ...runRecord(id), parent: { ...at, depth: 1 } });

    expect(
      await store.createSubRunAndGet(
        child('run_late'),
        [],
        { ...at, step: 1 },
        queuedJobs([encode('act_late')!]),
      ),
    ).toBe('orphaned');
    expect(await store.get('run_late')).toBeUndefined();
    const created = await store.createSubRunAndGet(
      child('run_on_time'),
      [],
      at,
      queuedJobs([encode('act_on_time')!]),
    );
    expect(created).toMatchObject({ id: 'run_on_time', parent: { runId: 'run_parent' } });

    const seen: string[] = [];
    const worker = new Worker(
      'actions',
      async (job: Job) => {
        seen.push(job.id!);
      },
      { connection, prefix: keys.bullPrefix, concurrency: 4 },
    );
    try {
      for (let i = 0; i < 100 && seen.length < 1; i += 1)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200)); // a second job would have come by now
      expect(seen).toEqual(['act_on_time']);
      expect(await queue.getJob('act_late')).toBeUndefined();
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
