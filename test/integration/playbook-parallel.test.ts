/**
 * `parallel` through the real runner, action processor and built-in connectors on real Redis
 * (queues simulated in memory, see run-harness): every branch moves on its own position, the
 * join follows all/any, the losers are withdrawn, and cancel and failure undo across branches.
 */
import { describe, expect, it } from 'vitest';
import { approvePending, runHarnesses, type RunHarness } from '../helpers/run-harness.js';

const { harness } = runHarnesses('parallel');

const playbook = (join: 'all' | 'any', caseBranch: string): string => `
id: contain-both
on: { correlation: r }
start: contain
states:
  contain:
    parallel:
      join: ${join}
      branches:
        gateway:
          start: throttle
          states:
            throttle:
              action: ratelimit.set
              automatic: true
              with: { key: "{{ incident.group.user }}", limit: 10/m }
              undo: ratelimit.clear
              next: block_ip
            block_ip:
              action: ratelimit.set
              automatic: true
              with: { key: "ip-{{ incident.group.user }}", limit: block }
              undo: ratelimit.clear
              next: gateway_done
            gateway_done: { end: resolved }
${caseBranch}    next: wrap_up
  wrap_up:
    action: ticket.open
    with: { summary: "done {{ incident.group.user }}" }
    next: done
  done: { end: resolved }
`;

const TICKET_BRANCH = `        case:
          start: ticket
          states:
            ticket:
              action: ticket.open
              with: { summary: "case {{ incident.group.user }}" }
              next: case_done
            case_done: { end: resolved }
`;

const APPROVAL_BRANCH = `        owner:
          start: ask_owner
          states:
            ask_owner:
              approval: { roles: [approver], timeout: 1h, message: "Revoke the key?" }
              on: { approved: revoke, rejected: owner_done, timeout: owner_done }
            revoke:
              action: ratelimit.set
              with: { key: "revoked-{{ incident.group.user }}", limit: block }
              undo: ratelimit.clear
              next: owner_done
            owner_done: { end: resolved }
`;

const ops = (h: RunHarness): string[] =>
  h.calls.map((c) => `${c.operation} ${String(c.inputs.key ?? c.inputs.summary)}`);

describe('join all', () => {
  it('runs both branches, each effect once, and goes on only when both ended', async () => {
    const h = harness(playbook('all', TICKET_BRANCH));
    h.held.add('ticket.open');
    await h.start('run_all', { id: 'inc_all', group: { user: 'ann' } });
    await h.settle();
    let run = await h.runs.get('run_all');
    // The gateway branch ran to its end; the case branch still waits for its job.
    expect(run).toMatchObject({ status: 'running', state: 'contain' });
    expect(Object.keys(run?.leaves ?? {})).toEqual(['ticket']);
    expect(run?.context.branches?.contain).toEqual({ gateway: 'resolved' });
    expect(ops(h)).toEqual(['ratelimit.set ann', 'ratelimit.set ip-ann']);

    h.held.delete('ticket.open');
    await h.settle();
    run = await h.runs.get('run_all');
    expect(run).toMatchObject({ status: 'resolved', state: 'done' });
    expect(ops(h).sort()).toEqual(
      [
        'ratelimit.set ann',
        'ratelimit.set ip-ann',
        'ticket.open case ann',
        'ticket.open done ann',
      ].sort(),
    );
    expect((await h.limiter.history('ann')).map((e) => e.op)).toEqual(['set']);
  });

  it('a failed branch fails the run after the join and undoes the other branch newest first', async () => {
    const h = harness(playbook('all', TICKET_BRANCH));
    h.failures.set('ticket.open', 1);
    await h.start('run_fail', { id: 'inc_fail', group: { user: 'bea' } });
    await h.settle();
    const run = await h.runs.get('run_fail');
    expect(run?.status).toBe('failed');
    expect(ops(h).filter((o) => o.startsWith('ratelimit.clear'))).toEqual([
      'ratelimit.clear ip-bea',
      'ratelimit.clear bea',
    ]);
    expect(await h.limiter.rule('bea')).toBeUndefined();
  });
});

describe('join any', () => {
  it('the first branch to resolve wins; the pending approval of the other is cancelled', async () => {
    const h = harness(playbook('any', APPROVAL_BRANCH));
    await h.start('run_any', { id: 'inc_any', group: { user: 'cat' } });
    await h.settle();
    const run = await h.runs.get('run_any');
    expect(run).toMatchObject({ status: 'resolved', state: 'done' });
    const [approval] = await h.approvals.list({ limit: 10, runId: 'run_any' });
    expect(approval?.status).toBe('cancelled');
    expect(
      await h.approvals.decide(
        approval?.id ?? '',
        'approve',
        'approver',
        'approver',
        '',
        h.clock.now(),
      ),
    ).toEqual({ kind: 'not-pending', status: 'cancelled' });
    expect(ops(h)).toEqual(['ratelimit.set cat', 'ratelimit.set ip-cat', 'ticket.open done cat']);
    const timeline = await h.runs.timeline('run_any');
    expect(timeline.find((e) => e.type === 'withdrawn')).toMatchObject({ states: ['ask_owner'] });
  });

  it('removes the losing branch’s queued job', async () => {
    const h = harness(playbook('any', TICKET_BRANCH));
    h.held.add('ticket.open');
    await h.start('run_any2', { id: 'inc_any2', group: { user: 'dan' } });
    await h.settle();
    // The gateway branch won; the case branch's queued ticket job is gone, not run.
    expect(h.queuedActions()).toEqual(['wrap_up']);
    h.held.delete('ticket.open');
    await h.settle();
    expect(ops(h)).toEqual(['ratelimit.set dan', 'ratelimit.set ip-dan', 'ticket.open done dan']);
    expect((await h.runs.get('run_any2'))?.status).toBe('resolved');
  });
});

describe('approval inside a branch, and cancel', () => {
  it('an approval in one branch gates its action while the other branch runs', async () => {
    const h = harness(playbook('all', APPROVAL_BRANCH));
    await h.start('run_gate', { id: 'inc_gate', group: { user: 'eve' } });
    await h.settle();
    let run = await h.runs.get('run_gate');
    expect(run?.status).toBe('waiting');
    expect(Object.keys(run?.leaves ?? {})).toEqual(['ask_owner']);
    const [approval] = await h.approvals.list({ limit: 10, runId: 'run_gate' });
    expect(approval?.gated).toMatchObject({ state: 'revoke', inputs: { key: 'revoked-eve' } });
    await approvePending(h, 'run_gate');
    await h.settle();
    run = await h.runs.get('run_gate');
    expect(run).toMatchObject({ status: 'resolved', state: 'done' });
    const revoke = h.calls.find((c) => c.inputs.key === 'revoked-eve');
    expect(revoke).toBeDefined();
  });

  it('cancel withdraws every branch: the queued job is removed, the approval cancelled', async () => {
    const h = harness(playbook('all', APPROVAL_BRANCH));
    h.held.add('ratelimit.set');
    await h.start('run_cancel', { id: 'inc_cancel', group: { user: 'fay' } });
    await h.settle();
    const before = await h.runs.get('run_cancel');
    expect(Object.keys(before?.leaves ?? {}).sort()).toEqual(['ask_owner', 'throttle']);
    expect(h.queuedActions()).toEqual(['throttle']);

    expect((await h.runner.cancel('run_cancel', 'responder-1')).ok).toBe(true);
    h.held.clear();
    await h.settle();
    expect(h.queuedActions()).toEqual([]);
    expect((await h.runs.get('run_cancel'))?.status).toBe('cancelled');
    const [approval] = await h.approvals.list({ limit: 10, runId: 'run_cancel' });
    expect(approval?.status).toBe('cancelled');
    expect(ops(h)).toEqual([]);
  });

  it('cancel undoes what a finished branch did, newest first, while the other waits', async () => {
    const h = harness(playbook('all', APPROVAL_BRANCH));
    await h.start('run_cancel2', { id: 'inc_cancel2', group: { user: 'gus' } });
    await h.settle();
    expect((await h.runs.get('run_cancel2'))?.status).toBe('waiting');
    expect((await h.runner.cancel('run_cancel2', 'responder-1')).ok).toBe(true);
    await h.settle();
    expect((await h.runs.get('run_cancel2'))?.status).toBe('cancelled');
    expect(ops(h)).toEqual([
      'ratelimit.set gus',
      'ratelimit.set ip-gus',
      'ratelimit.clear ip-gus',
      'ratelimit.clear gus',
    ]);
  });
});
