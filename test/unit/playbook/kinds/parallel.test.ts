import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../src/playbook/definition/compile-playbook.js';
import { build, errors, playbook, Run, T0 } from './helpers.js';

/**
 * `parallel`: branches validated as small state machines of their own (located errors), and
 * compiled to an xstate parallel state whose join follows `all` / `any`.
 */
const branches = (join: string, caseBranch = CASE_BRANCH): string =>
  `  contain:
    parallel:
      join: ${join}
      branches:
        gateway:
          start: throttle
          states:
            throttle:
              action: ratelimit.set
              automatic: true
              with: { key: "{{ incident.group.api_key }}", limit: 10/m }
              undo: ratelimit.clear
              next: gateway_done
            gateway_done: { end: resolved }
${caseBranch}    next: done
    on_failure: broken
  done: { end: resolved }
  broken: { end: failed }
`;
const CASE_BRANCH = `        case:
          start: ticket
          states:
            ticket:
              action: ticket.open
              with: { summary: "{{ incident.title }}" }
              next: case_done
            case_done: { end: resolved }
`;

const ok = (state: string): RunEvent => ({
  type: 'action.succeeded',
  state,
  result: {},
  attempts: 1,
});
const failed = (state: string): RunEvent => ({
  type: 'action.failed',
  state,
  error: { code: 'CORDON_ERR_ACTION_FAILED', message: 'no' },
  attempts: 1,
});

function compiled(join: string) {
  const { playbooks, diagnostics } = build(playbook('contain', branches(join)));
  if (!playbooks?.[0]) throw new Error(JSON.stringify(diagnostics));
  return playbooks[0];
}

describe('parallel validation', () => {
  it('accepts branches and exposes their states by name', () => {
    const pb = compiled('all');
    expect(Object.keys(pb.states).sort()).toEqual(
      ['broken', 'case_done', 'contain', 'done', 'gateway_done', 'throttle', 'ticket'].sort(),
    );
  });

  it('locates a transition that leaves its branch', () => {
    const text = playbook('contain', branches('all').replace('next: gateway_done', 'next: done'));
    expect(errors(text)).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
        path: 'states.contain.parallel.branches.gateway.states.throttle.next',
        line: 18,
        column: 21,
      }),
    );
  });

  it('locates an unreachable state and a branch that cannot end', () => {
    const stuck = `        case:
          start: ticket
          states:
            ticket:
              action: ticket.open
              with: { summary: "x" }
              next: ticket_again
            ticket_again:
              action: ticket.open
              with: { summary: "y" }
              next: ticket
            orphan: { end: resolved }
`;
    const found = errors(playbook('contain', branches('all', stuck)));
    expect(found).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_UNREACHABLE',
        path: 'states.contain.parallel.branches.case.states.orphan',
        line: 31,
        column: 13,
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_NO_END',
        path: 'states.contain.parallel.branches.case.states.ticket',
        line: 23,
      }),
    );
  });

  it('refuses a name used twice across branches, nested parallels, a bad join and one branch', () => {
    const clash = CASE_BRANCH.replace(/ticket:\n/, 'throttle_x:\n').replace(
      'start: ticket',
      'start: throttle_x',
    );
    expect(
      errors(playbook('contain', branches('all', clash.replace(/throttle_x/g, 'throttle')))),
    ).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_PARALLEL',
        path: 'states.contain.parallel.branches.case.states.throttle',
        message: expect.stringContaining('a state of branch "gateway" of "contain"'),
      }),
    );
    const nested = CASE_BRANCH.replace(
      'ticket:\n              action: ticket.open\n              with: { summary: "{{ incident.title }}" }\n',
      'ticket:\n              parallel: { branches: {} }\n',
    );
    expect(errors(playbook('contain', branches('all', nested)))).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_PARALLEL',
        path: 'states.contain.parallel.branches.case.states.ticket.parallel',
      }),
    );
    expect(errors(playbook('contain', branches('first')))).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_PARALLEL',
        path: 'states.contain.parallel.join',
        line: 8,
      }),
    );
    expect(errors(playbook('contain', branches('all', '')))).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_PARALLEL',
        path: 'states.contain.parallel.branches',
      }),
    );
  });

  it('keeps the unguarded-mutation rule inside branches', () => {
    const text = playbook('contain', branches('all').replace(/ +automatic: true\n/, ''));
    expect(errors(text)).toContainEqual(
      expect.objectContaining({
        code: 'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION',
        path: 'states.contain.parallel.branches.gateway.states.throttle.action',
      }),
    );
  });
});

describe('parallel machine', () => {
  it('starts every branch at once: one action effect per branch', () => {
    const run = new Run(compiled('all'), { id: 'i', title: 't', group: { api_key: 'k' } });
    expect(run.snapshot.value).toEqual({ contain: { gateway: 'throttle', case: 'ticket' } });
    expect(run.effects.map((e) => ('state' in e ? e.state : e.kind)).sort()).toEqual([
      'throttle',
      'ticket',
    ]);
  });

  it('join all: waits for every branch, then goes on; a failed branch takes on_failure', () => {
    const pb = compiled('all');
    const run = new Run(pb, { id: 'i', title: 't', group: { api_key: 'k' } });
    run.send(ok('throttle'), T0 + 1);
    expect(run.snapshot.value).toEqual({ contain: { gateway: 'gateway_done', case: 'ticket' } });
    run.send(ok('ticket'), T0 + 2);
    expect(run.snapshot.value).toBe('done');
    expect(run.context.branches?.contain).toEqual({ gateway: 'resolved', case: 'resolved' });

    const other = new Run(pb, { id: 'i', title: 't', group: { api_key: 'k' } });
    other.send(failed('ticket'), T0 + 1);
    expect(other.snapshot.value).toEqual({ contain: { gateway: 'throttle', case: '__failed' } });
    other.send(ok('throttle'), T0 + 2);
    expect(other.snapshot.value).toBe('broken');
  });

  it('join any: the first branch to resolve wins; a failed branch alone does not', () => {
    const pb = compiled('any');
    const run = new Run(pb, { id: 'i', title: 't', group: { api_key: 'k' } });
    run.send(failed('throttle'), T0 + 1);
    expect(run.snapshot.value).toEqual({ contain: { gateway: '__failed', case: 'ticket' } });
    run.send(ok('ticket'), T0 + 2);
    expect(run.snapshot.value).toBe('done');

    const both = new Run(pb, { id: 'i', title: 't', group: { api_key: 'k' } });
    const [next] = transition(pb.machine, both.snapshot, failed('throttle'));
    const [last] = transition(pb.machine, next, failed('ticket'));
    expect(last.value).toBe('broken');
  });
});

describe('parallel node ids', () => {
  it('names nested states by their full xstate path (their timers carry it)', () => {
    const pb = compiled('all');
    expect(pb.nodeIds.throttle).toBe('kinds.contain.gateway.throttle');
    expect(pb.nodeIds.done).toBe('kinds.done');
  });
});
