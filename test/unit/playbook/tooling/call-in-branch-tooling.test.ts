/**
 * A `call` inside a `parallel` branch in the tooling: validation accepts it (and still checks
 * the callee across files), the graph draws it in its branch, the plan lists its call under
 * the branch, and playbook tests script its outcome like a top-level call's.
 */
import { describe, expect, it } from 'vitest';
import { buildPlaybooks } from '../../../../src/playbook/definition/build-playbooks.js';
import { playbookGraph } from '../../../../src/playbook/tooling/graph.js';
import { planRun } from '../../../../src/playbook/tooling/plan.js';
import { simulate } from '../../../../src/playbook/tooling/simulate.js';
import { CTX } from '../kinds/helpers.js';

const PARENT = `id: parent
on: { correlation: model_extraction_by_query_volume }
start: contain
states:
  contain:
    parallel:
      join: all
      branches:
        by_call:
          start: contain_user
          states:
            contain_user:
              call:
                playbook: child
                inputs: { user: "{{ incident.group.api_key }}" }
                outputs: { outcome: "{{ run.outcome }}" }
              next: call_done
            call_done: { end: resolved }
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
    next: done
  done: { end: resolved }
`;
const CHILD = `id: child
on: { call: true }
inputs:
  user: { description: The user. }
start: block
states:
  block:
    action: ratelimit.set
    automatic: true
    with: { key: "c-{{ run.inputs.user }}", limit: block }
    undo: ratelimit.clear
    next: done
  done: { end: resolved }
`;

function buildBoth(parent = PARENT) {
  return buildPlaybooks(
    [
      { file: 'playbooks/parent.yaml', text: parent },
      { file: 'playbooks/child.yaml', text: CHILD },
    ],
    CTX,
  );
}

const INCIDENT = { id: 'inc-1', title: 'T', group: { api_key: 'k7' } };

describe('call inside a parallel branch', () => {
  const built = buildBoth();
  const compiled = built.playbooks?.find((p) => p.definition.id === 'parent');

  it('validates, and still checks the callee and its inputs', () => {
    expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const bad = buildBoth(PARENT.replace('{ user:', '{ usr:'));
    expect(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toContain(
      'CORDON_ERR_PLAYBOOK_CALL',
    );
    const unknown = buildBoth(PARENT.replace('playbook: child', 'playbook: chlid'));
    const err = unknown.diagnostics.find((d) => d.code === 'CORDON_ERR_PLAYBOOK_CALL');
    expect(err?.message).toContain('Did you mean "child"?');
    expect(err?.path).toBe(
      'states.contain.parallel.branches.by_call.states.contain_user.call.playbook',
    );
  });

  it('the graph draws the call in its branch', () => {
    const lines = playbookGraph(compiled!.definition).split('\n');
    expect(lines).toContain('    state "by_call" as contain__by_call {');
    expect(lines.some((l) => l.includes('contain_user --> call_done : sub-run resolved'))).toBe(
      true,
    );
    expect(lines).toContain('  class contain_user call');
  });

  it('the plan lists the call under its branch', () => {
    const plan = planRun(compiled!, INCIDENT);
    const calls = plan.paths[0]?.calls.map((c) => [c.branch, c.operation, c.connector, c.inputs]);
    expect(calls).toContainEqual(['by_call', 'playbook.call', 'child', { user: 'k7' }]);
  });

  it('playbook tests script the sub-run’s outcome', () => {
    const ok = simulate(compiled!, {
      incident: INCIDENT,
      replies: { contain_user: [{ ok: true, result: { outcome: 'resolved' } }] },
      script: [],
      startAt: 0,
    });
    expect(ok.status).toBe('resolved');
    expect(ok.calls.map((c) => c.operation)).toEqual(['playbook.call', 'ratelimit.set']);
    const failed = simulate(compiled!, {
      incident: INCIDENT,
      replies: {
        contain_user: [{ ok: false, code: 'CORDON_ERR_RUN_CALL', message: 'sub-run failed' }],
      },
      script: [],
      startAt: 0,
    });
    expect(failed.status).toBe('failed');
    expect(failed.context.branches?.contain).toEqual({ by_call: 'failed', gateway: 'resolved' });
    // The throttle is taken back when the join fails the run.
    expect(failed.calls.map((c) => c.operation)).toEqual([
      'playbook.call',
      'ratelimit.set',
      'ratelimit.clear',
    ]);
  });
});
