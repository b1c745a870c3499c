/**
 * The validator warns, at the line and column inside the text, when a playbook that declares
 * inputs (so it may be started by hand without an incident) reads incident.*.
 */
import { describe, expect, it } from 'vitest';
import { build } from './kinds/helpers.js';

const text = (inputs: boolean) => `id: adhoc
on: { call: true }
${inputs ? 'inputs:\n  user: { description: The user. }\n' : ''}start: route
states:
  route:
    choice:
      - when: '"incident.x" == "y" || incident.severity == "critical"'
        next: throttle
    default: watch
  watch:
    wait: { changes: incident.matchCount, timeout: 1h }
    next: throttle
    on_timeout: throttle
  throttle:
    description: Throttles the incident's key.
    action: ratelimit.set
    automatic: true
    with:
      key: "k-{{ incident.group.user }}"
      limit: '\${{ run.inputs.user == "" ? "block" : "10/m" }}'
    undo: ratelimit.clear
    next: note
  note:
    action: ticket.open
    with:
      summary: '\${{ "user " + run.inputs.user + " " + incident.title }}'
      description: "{{ run.inputs.user }}"
    next: done
  done: { end: resolved }
`;

const warnings = (t: string) =>
  build(t).diagnostics.filter((d) => d.code === 'CORDON_WARN_PLAYBOOK_ADHOC_INCIDENT');

describe('a playbook that may run without an incident reads incident.*', () => {
  it('is warned at each read, inside the text', () => {
    const found = warnings(text(true));
    expect(found.map((d) => [d.path, d.line, d.column])).toEqual([
      // The string literal "incident.x" is not a read; the identifier after it is.
      ['states.route.choice[0].when', 9, 39],
      ['states.watch.wait.changes', 13, 22],
      ['states.throttle.with.key', 21, 18],
      ['states.note.with.summary', 28, 55],
    ]);
    expect(found[0]).toMatchObject({ severity: 'warning', file: 'playbooks/test.yaml' });
    expect(found[2]?.message).toContain('state "throttle" reads incident.*');
    expect(found[2]?.message).toContain('run.inputs.<name>');
    // A warning does not stop the playbook from loading.
    expect(build(text(true)).playbooks?.length).toBe(1);
  });

  it('is not warned without inputs (the run always has an incident)', () => {
    expect(warnings(text(false))).toEqual([]);
  });
});
