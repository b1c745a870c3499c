import { describe, expect, it } from 'vitest';
import { formatPlan, planRun } from '../../../../src/playbook/tooling/plan.js';
import { build, buildFile, playbook } from '../kinds/helpers.js';

const INCIDENT = {
  id: 'inc-1',
  title: 'Extraction',
  severity: 'high',
  group: { api_key: 'key-7' },
  eventCount: 412,
};

describe('cordon plan', () => {
  it('lists every path of the shipped playbook with rendered, gated calls', () => {
    const plan = planRun(buildFile('playbooks/contain-abusive-key.yaml'), INCIDENT);
    const routes = plan.paths.map((p) => p.hops.map((h) => `${h.via ?? ''}>${h.state}`).join(' '));
    expect(routes).toEqual([
      // A high incident: the critical-only block branch is decided away by the choice.
      '>throttle succeeded>ask_case approved>open_case succeeded>escalate default>done',
      '>throttle succeeded>ask_case approved>open_case failed>__failed',
      '>throttle succeeded>ask_case rejected>closed_without_case',
      '>throttle succeeded>ask_case timeout>closed_without_case',
      '>throttle failed>__failed',
    ]);
    const [approved] = plan.paths;
    expect(approved?.calls.map((c) => [c.operation, c.gate])).toEqual([
      ['ratelimit.set', { automatic: true }],
      ['ticket.open', { approval: 'ask_case' }],
    ]);
    expect(approved?.calls[0]?.inputs).toEqual({
      key: 'key-7',
      limit: '10/m',
      expires: '1h',
      reason: 'Extraction',
    });
    expect(approved?.calls[1]?.inputs).toMatchObject({ severity: 'high', dedupe: 'inc-1' });
    const text = formatPlan(plan, 'inc-1');
    expect(text).toContain('5 path(s). Nothing was performed.');
    // The route that picked each connector, in cordon graph's words (README "Routes").
    expect(approved?.calls.map((c) => [c.connector, c.via])).toEqual([
      ['gateway', 'traffic'],
      ['cases', 'tickets'],
    ]);
    expect(text).toContain(
      '  1. ratelimit.set on gateway (via traffic, state throttle) - AUTOMATIC, changes production',
    );
    expect(text).toContain(
      '  2. ticket.open on cases (via tickets, state open_case) - after approval "ask_case"',
    );
    expect(text).toContain('       key: "key-7"');
    // The implicit end of a failed action by the name cordon graph gives it, not __failed.
    expect(text).toContain('Path 5 (ends failed): throttle --failed--> failed\n');
    expect(text).not.toContain('__failed');
  });

  it("keeps __failed apart from the playbook's own state named failed", () => {
    const { playbooks } = build(
      playbook(
        'open',
        `  open:
    action: ticket.open
    with: { connector: cases, summary: "{{ incident.title }}" }
    next: failed
  failed:
    end: resolved
`,
      ),
    );
    const text = formatPlan(planRun((playbooks ?? [])[0]!, INCIDENT), 'inc-1');
    expect(text).toContain('open --succeeded--> failed\n');
    expect(text).toContain('open --failed--> __failed\n');
  });

  it('shows the key block behind its own approval for a critical incident', () => {
    const plan = planRun(buildFile('playbooks/contain-abusive-key.yaml'), {
      ...INCIDENT,
      severity: 'critical',
    });
    const blocked = plan.paths.find((p) => p.hops.some((h) => h.state === 'block_key'));
    expect(blocked?.calls.map((c) => [c.operation, c.gate])).toEqual([
      ['ratelimit.set', { automatic: true }],
      ['ticket.open', { approval: 'ask_case' }],
      ['key.block', { approval: 'ask_block' }],
    ]);
    expect(blocked?.calls[2]?.inputs).toEqual({ key: 'key-7', reason: 'Extraction' });
  });

  it('decides choices the incident decides and keeps those on step results open', () => {
    const { playbooks } = build(
      playbook(
        'pick',
        `  pick:
    choice:
      - { when: 'incident.severity == "critical"', next: block }
    default: check
  check:
    action: ticket.open
    with: { connector: cases, summary: "{{ incident.title }}" }
    next: after
  after:
    choice:
      - { when: 'steps.check.result.id == "x"', next: block }
    default: done
  block:
    action: ratelimit.set
    automatic: true
    undo: ratelimit.clear
    with: { connector: gateway, key: "{{ steps.check.result.id }}", limit: 1/m }
    next: done
    on_failure: done
  done:
    end: resolved
`,
      ),
    );
    const pb = (playbooks ?? [])[0]!;
    const high = planRun(pb, INCIDENT);
    expect(high.paths.map((p) => p.hops.map((h) => h.state).join(' '))).toEqual([
      'pick check after block done',
      'pick check after block done',
      'pick check after done',
      'pick check __failed',
    ]);
    const block = high.paths[0]?.calls[1];
    expect(block?.unresolved).toEqual(['key']);
    expect(block?.refused).toBeUndefined();
    expect(formatPlan(high, 'inc-1')).toContain(
      'key: "{{ steps.check.result.id }}"   (rendered when the step runs)',
    );
    const critical = planRun(pb, { ...INCIDENT, severity: 'critical' });
    expect(critical.paths[0]?.hops.map((h) => h.state)).toEqual(['pick', 'block', 'done']);
    // The key reads a step that never ran on this path: the runner would refuse the call.
    expect(critical.paths[0]?.calls[0]?.refused?.code).toBe('CORDON_ERR_ACTION_INPUT');
  });

  it('shows REFUSED for inputs that render but the runner refuses, as the run would fail', () => {
    const { playbooks } = build(
      playbook(
        'throttle',
        `  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: gateway, key: "{{ incident.group.api_key }}", limit: "{{ incident.title }}" }
    next: done
  done:
    end: resolved
`,
      ),
    );
    const pb = (playbooks ?? [])[0]!;
    const plan = planRun(pb, INCIDENT);
    const call = plan.paths[0]?.calls[0];
    expect(call?.unresolved).toEqual([]);
    expect(call?.refused?.code).toBe('CORDON_ERR_ACTION_INPUT');
    expect(plan.paths.map((p) => p.hops.map((h) => h.state).join(' '))).toEqual([
      'throttle __failed',
    ]);
    // Also when another input reads a step result (known only when it runs): the invalid one
    // that rendered fails the step whatever that result is.
    const { playbooks: more } = build(
      playbook(
        'open',
        `  open:
    action: ticket.open
    with: { connector: cases, summary: s }
    next: throttle
  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: gateway, key: "{{ steps.open.result.id }}", limit: "{{ incident.title }}" }
    next: done
  done:
    end: resolved
`,
      ),
    );
    const later = planRun((more ?? [])[0]!, INCIDENT);
    expect(later.paths.map((p) => p.hops.map((h) => h.state).join(' '))).toContain(
      'open throttle __failed',
    );
    expect(later.paths.map((p) => p.hops.map((h) => h.state).join(' '))).not.toContain(
      'open throttle done',
    );
  });
});
