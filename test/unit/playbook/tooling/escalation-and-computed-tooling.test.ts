import { describe, expect, it } from 'vitest';
import { playbookGraph } from '../../../../src/playbook/tooling/graph.js';
import { formatPlan, planRun } from '../../../../src/playbook/tooling/plan.js';
import {
  parsePlaybookTests,
  runPlaybookTest,
} from '../../../../src/playbook/tooling/playbook-tests.js';
import { build } from '../kinds/helpers.js';

/** Escalations and computed inputs as `cordon graph`, `cordon plan` and playbook tests show them. */
const TEXT = `
id: esc
on: { correlation: [model_extraction_by_query_volume] }
start: ask
states:
  ask:
    approval:
      timeout: 1h
      message: "Block?"
      escalate:
        - after: 15m
          notify: { action: ticket.open, with: { summary: '\${{ "Waiting on " + incident.group.api_key }}' } }
          roles: [soc-lead]
        - after: 30m
          roles: [ciso]
    on: { approved: block, rejected: done }
  block:
    action: ratelimit.set
    with:
      key: "{{ incident.group.api_key }}"
      limit: '\${{ incident.severity == "critical" ? "block" : "10/m" }}'
    undo: ratelimit.clear
    next: done
  done: { end: resolved }
`;

function compiled() {
  const { playbooks, diagnostics } = build(TEXT);
  const [pb] = playbooks ?? [];
  if (!pb) throw new Error(JSON.stringify(diagnostics));
  return pb;
}

const INCIDENT = { id: 'inc-1', title: 'T', severity: 'critical', group: { api_key: 'k1' } };

describe('escalation and computed inputs in the tooling', () => {
  it('graph notes the escalation steps', () => {
    expect(playbookGraph(compiled().definition)).toContain(
      'approval by approver, escalates after 15m (ticket.open, +soc-lead), 30m (+ciso)',
    );
  });

  it('plan shows computed values and the escalation notification, marked as such', () => {
    const plan = planRun(compiled(), INCIDENT);
    const approved = plan.paths[0];
    expect(approved?.calls.map((c) => [c.operation, c.inputs])).toEqual([
      ['ticket.open', { summary: 'Waiting on k1' }],
      ['ratelimit.set', { key: 'k1', limit: 'block' }],
    ]);
    const text = formatPlan(plan, 'inc-1');
    expect(text).toContain(
      '1. ticket.open on cases (state ask) - ESCALATION if undecided after 15m, adds roles soc-lead, read-only',
    );
    expect(text).toContain('note: approval "ask" adds roles ciso if undecided after 30m');
    expect(text).toContain('limit: "block"');
  });

  it('plan says an escalation that sets the roles sets them, as graph does', () => {
    const { playbooks, diagnostics } = build(
      TEXT.replace('roles: [ciso]', 'roles: { set: [ciso] }'),
    );
    const [pb] = playbooks ?? [];
    if (!pb) throw new Error(JSON.stringify(diagnostics));
    expect(playbookGraph(pb.definition)).toContain('30m (roles = ciso)');
    const text = formatPlan(planRun(pb, INCIDENT), 'inc-1');
    expect(text).toContain('note: approval "ask" sets its roles to ciso if undecided after 30m');
    expect(text).not.toContain('adds roles ciso');
  });

  it('a playbook test sees the notification only once the clock passes it', () => {
    const { tests, diagnostics } = parsePlaybookTests(
      't.test.yaml',
      `tests:
  - name: decided early
    incident: { id: inc-1, title: T, severity: high, group: { api_key: k1 } }
    script: [ { advance: 10m }, { approve: ask } ]
    expect:
      path: [ask, block, done]
      calls: [ { operation: ratelimit.set, inputs: { key: k1, limit: 10/m } } ]
  - name: escalated first
    incident: { id: inc-1, title: T, severity: high, group: { api_key: k1 } }
    script: [ { advance: 20m }, { approve: ask } ]
    expect:
      path: [ask, block, done]
      calls:
        - { operation: ticket.open, inputs: { summary: Waiting on k1 } }
        - { operation: ratelimit.set, inputs: { key: k1, limit: 10/m } }
`,
    );
    if (!tests) throw new Error(JSON.stringify(diagnostics));
    for (const test of tests.cases)
      expect({ name: test.name, problems: runPlaybookTest(compiled(), test).problems }).toEqual({
        name: test.name,
        problems: [],
      });
  });
});
