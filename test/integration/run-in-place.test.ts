/**
 * A run's automatic action steps go on in the job of the step before (RunRecord.held) instead
 * of a job each: the same effects, each once, the same timeline, every step saved before the
 * next effect; a held step that fails with attempts left, or cannot go on in place, gets a job
 * of its own; reconcile leaves a held step to its holder while the holder is going, and queues
 * it once the holder is gone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { actionEffectId } from '../../src/playbook/runtime/effects.js';
import type { ActionJob } from '../../src/playbook/runtime/jobs.js';
import type { TimelineEntry } from '../../src/playbook/runtime/run-record.js';
import type { Runner } from '../../src/playbook/runtime/runner.js';
import { createRunHarness, type HarnessOptions, type RunHarness } from '../helpers/run-harness.js';
import { createTestRedis } from '../helpers/redis.js';

const store = createTestRedis('in-place');
afterAll(async () => {
  await store.cleanup();
});

const PLAYBOOK = `
id: three-steps
on: { correlation: r }
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { key: "{{ incident.group.user }}", limit: 10/m }
    undo: ratelimit.clear
    next: ticket
  ticket:
    action: ticket.open
    with: { summary: "contained {{ incident.group.user }}" }
    retry: { attempts: 2, backoff: fixed, delay: 1s }
    next: lift
  lift:
    action: ratelimit.clear
    automatic: true
    with: { key: "{{ incident.group.user }}" }
    next: done
  done: { end: resolved }
`;

const INCIDENT = (user: string) => ({ id: `inc_${user}`, group: { user } });

function harness(sub: string, options: HarnessOptions = {}) {
  return createRunHarness(store, sub, PLAYBOOK, { inPlace: true, ...options });
}

/** The first report `when` picks fails as a lost Redis connection would (then they go through). */
function breakReportOnce(
  h: RunHarness,
  when: (job: ActionJob, outcome: Parameters<Runner['completeAction']>[1]) => boolean,
): void {
  const complete = h.runner.completeAction.bind(h.runner);
  let broken = true;
  h.runner.completeAction = async (...args: Parameters<typeof complete>) => {
    if (broken && when(args[0], args[1])) {
      broken = false;
      throw new Error('Connection is closed.');
    }
    return complete(...args);
  };
}

/** A timeline with its times taken out (two runs at different times compare equal). */
function content(timeline: readonly TimelineEntry[]) {
  return timeline.map(({ at: _at, ...rest }) => rest);
}

describe('automatic steps in place', () => {
  it('runs the whole run in its first job, each effect once, with the timeline of queued jobs', async () => {
    const h = harness('whole');
    await h.start('run_a', INCIDENT('u1'));
    await h.settle();
    const run = await h.runs.get('run_a');
    expect(run).toMatchObject({ status: 'resolved', state: 'done' });
    expect(run?.held).toBeUndefined();
    // One job: the first step's; the two after it ran in it.
    expect(h.actionJobIds()).toEqual([actionEffectId('run_a', 'throttle', 1)]);
    expect(h.calls.map((c) => c.operation)).toEqual([
      'ratelimit.set',
      'ticket.open',
      'ratelimit.clear',
    ]);
    expect((await h.limiter.history('u1')).map((e) => e.op).sort()).toEqual(['clear', 'set']);

    // The same run through a job per step (the processor without in-place) says the same.
    const queued = createRunHarness(store, 'whole-queued', PLAYBOOK);
    await queued.start('run_a', INCIDENT('u1'));
    await queued.settle();
    expect(queued.actionJobIds()).toHaveLength(3);
    expect(content(await h.runs.timeline('run_a'))).toEqual(
      content(await queued.runs.timeline('run_a')),
    );
    expect((await h.runs.get('run_a'))?.context).toEqual((await queued.runs.get('run_a'))?.context);
  });

  it('hands a held step that failed with attempts left to a job of its own, for the attempts left', async () => {
    const h = harness('retry');
    h.failures.set('ticket.open', 1);
    await h.start('run_r', INCIDENT('u2'));
    await h.settle();
    const ticketJob = actionEffectId('run_r', 'ticket', 2);
    expect(h.actionJobIds()).toEqual([actionEffectId('run_r', 'throttle', 1), ticketJob]);
    // Its one attempt was made in place: the job carries it, and has the policy's other one.
    expect(h.actionJob(ticketJob)?.attemptsBefore).toBe(1);
    expect(h.actionJobOptions(ticketJob)).toMatchObject({
      attempts: 1,
      delayMs: 1_000,
      backoff: { type: 'fixed', delayMs: 1_000 },
    });
    const run = await h.runs.get('run_r');
    expect(run).toMatchObject({ status: 'resolved' });
    expect(run?.context.steps.ticket).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(h.calls.map((c) => c.operation)).toEqual([
      'ratelimit.set',
      'ticket.open',
      'ticket.open',
      'ratelimit.clear',
    ]);
  });

  it('goes on doubling an exponential backoff from the attempts made in place', async () => {
    const exponential = PLAYBOOK.replace(
      'retry: { attempts: 2, backoff: fixed, delay: 1s }',
      'retry: { attempts: 4, backoff: exponential, delay: 1s }',
    );
    const h = createRunHarness(store, 'retry-exp', exponential, { inPlace: true });
    h.failures.set('ticket.open', 1);
    await h.start('run_e', INCIDENT('u5'));
    await h.settle();
    const ticketJob = actionEffectId('run_e', 'ticket', 2);
    // Queued from the start, the step would wait 1 s, 2 s, 4 s between its four attempts; its
    // first attempt was in place, so its job waits 1 s, then BullMQ's exponential from 2 s.
    expect(h.actionJobOptions(ticketJob)).toMatchObject({
      attempts: 3,
      delayMs: 1_000,
      backoff: { type: 'exponential', delayMs: 2_000 },
    });
    expect(await h.runs.get('run_e')).toMatchObject({ status: 'resolved' });
  });

  it('gives a held step that cannot go on in place a job of its own; its effect is not repeated', async () => {
    let died = false;
    const h = harness('broken', {
      workerCrash: (point) => {
        if (point === 'action.after-held-effect' && !died) {
          died = true;
          throw new Error('the step broke after its effect');
        }
      },
    });
    await h.start('run_b', INCIDENT('u3'));
    await h.settle();
    expect(died).toBe(true);
    expect(await h.runs.get('run_b')).toMatchObject({ status: 'resolved' });
    // The ticket step broke after its effect and went to its own job; the ledger answered it.
    expect(h.actionJobIds()).toContain(actionEffectId('run_b', 'ticket', 2));
    expect((await h.limiter.history('u3')).map((e) => e.op).sort()).toEqual(['clear', 'set']);
    const cases = h.calls.filter((c) => c.operation === 'ticket.open');
    expect(new Set(cases.map((c) => c.ctx.effectKey)).size).toBe(1);
  });

  it('reconcile reports a failed job whose report was lost with the code its queue recorded', async () => {
    const h = harness('lost-failure');
    h.held.add('ratelimit.set');
    await h.start('run_lost', INCIDENT('u5'));
    await h.settle();
    const job = actionEffectId('run_lost', 'throttle', 1);
    // The worker's last attempt failed and the queue recorded it; the report never landed.
    h.setActionJobState(job, 'failed', 'CORDON_ERR_ACTION_UNAUTHORIZED: Kong answered 401');
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.timeline('run_lost')).toContainEqual(
      expect.objectContaining({
        type: 'transition',
        event: 'action.failed',
        error: { code: 'CORDON_ERR_ACTION_UNAUTHORIZED', message: 'Kong answered 401' },
      }),
    );
  });

  it('a failure whose report fails on the last attempt reaches the run through reconcile, code kept', async () => {
    const h = harness('report-fails');
    h.failures.set('ratelimit.set', 1);
    h.failureCodes.set('ratelimit.set', 'CORDON_ERR_ACTION_UNAUTHORIZED');
    breakReportOnce(h, (_job, outcome) => !outcome.ok);
    await h.start('run_rf', INCIDENT('u6'));
    await h.settle();
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.timeline('run_rf')).toContainEqual(
      expect.objectContaining({
        type: 'transition',
        event: 'action.failed',
        error: {
          code: 'CORDON_ERR_ACTION_UNAUTHORIZED',
          message: 'ratelimit.set refused by the fake.',
        },
      }),
    );
  });

  it('an effect whose report fails on the last attempt completes its job; reconcile reports it applied', async () => {
    const h = harness('success-report-fails');
    breakReportOnce(h, (job, outcome) => outcome.ok && job.state === 'throttle');
    await h.start('run_sf', INCIDENT('u8'));
    await h.settle();
    expect((await h.runs.get('run_sf'))?.state).toBe('throttle');
    await h.runner.reconcile();
    await h.settle();
    expect(await h.runs.get('run_sf')).toMatchObject({ status: 'resolved' });
    expect((await h.runs.timeline('run_sf')).map((e) => e.event)).not.toContain('action.failed');
    expect(h.calls.filter((c) => c.operation === 'ratelimit.set')).toHaveLength(1);
  });

  it('a step held in place whose failure report fails is handed to a job of its own at once', async () => {
    const h = harness('held-report-fails');
    h.failures.set('ticket.open', 1);
    h.failureCodes.set('ticket.open', 'CORDON_ERR_ACTION_UNAUTHORIZED');
    breakReportOnce(h, (_job, outcome) => !outcome.ok);
    await h.start('run_hf', INCIDENT('u7'));
    await h.settle();
    // Not left held by a finished job until reconcile: its own job ran it again, and it passed.
    const run = await h.runs.get('run_hf');
    expect(run).toMatchObject({ status: 'resolved' });
    expect(run?.held).toBeUndefined();
    expect(h.calls.filter((c) => c.operation === 'ticket.open')).toHaveLength(2);
  });

  it('reconcile leaves a held step to a holder still going, and queues it once the holder is gone', async () => {
    const h = harness('reconcile');
    h.held.add('ratelimit.set');
    await h.start('run_c', INCIDENT('u4'));
    await h.settle();
    const holder = actionEffectId('run_c', 'throttle', 1);
    const job = h.actionJob(holder) as ActionJob;
    // The holder reports its success and is given the next step to run in place.
    h.setActionJobState(holder, 'active');
    const held = await h.runner.completeAction(job, { ok: true, result: {} }, 1, holder);
    expect(held?.job).toMatchObject({ state: 'ticket', step: 2 });
    expect((await h.runs.get('run_c'))?.held).toEqual({ by: holder, step: 2 });

    // Run again after a crash, the holder finds the step it holds.
    const again = await h.runner.completeAction(job, { ok: true, result: {} }, 1, holder);
    expect(again?.job).toEqual(held?.job);

    await h.runner.reconcile();
    expect(h.queuedActions()).toEqual([]);

    // The holder is gone (failed for good): the step gets its own job, and the run goes on.
    h.setActionJobState(holder, 'failed');
    await h.runner.reconcile();
    expect(h.queuedActions()).toEqual(['ticket']);
    await h.settle();
    expect(await h.runs.get('run_c')).toMatchObject({ status: 'resolved' });
    expect(h.calls.filter((c) => c.operation === 'ticket.open')).toHaveLength(1);
  });
});
