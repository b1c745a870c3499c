import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parsePlaybookTests,
  runPlaybookTest,
  type PlaybookTestCase,
} from '../../../../src/playbook/tooling/playbook-tests.js';
import { build, buildFile, playbook } from '../kinds/helpers.js';

const SHIPPED = 'playbooks/contain-abusive-key.test.yaml';
const compiled = buildFile('playbooks/contain-abusive-key.yaml');

function parse(text: string): readonly PlaybookTestCase[] {
  const { tests, diagnostics } = parsePlaybookTests('t.test.yaml', text);
  if (!tests) throw new Error(JSON.stringify(diagnostics));
  return tests.cases;
}

const INCIDENT = `{ id: inc-9, title: T, severity: high, group: { api_key: k9 }, eventCount: 3 }`;

describe('playbook tests', () => {
  it('the shipped playbook passes its tests', () => {
    const text = readFileSync(new URL(`../../../../${SHIPPED}`, import.meta.url), 'utf8');
    const cases = parse(text);
    expect(cases.length).toBeGreaterThanOrEqual(5);
    // Cases with `connectors:` need the playbook bound again with those enabled: that is
    // `cordon test`'s job (test/integration/cli), not this pure runner's.
    for (const test of cases.filter((c) => !c.connectors)) {
      const outcome = runPlaybookTest(compiled, test);
      expect({ name: test.name, problems: outcome.problems }).toEqual({
        name: test.name,
        problems: [],
      });
    }
  });

  it('a case expecting the wrong path fails, naming expected and got', () => {
    const [test] = parse(`tests:
  - name: wrong
    incident: ${INCIDENT}
    script: [ { approve: ask_case } ]
    expect: { path: [throttle, ask_case, closed_without_case] }
`);
    const outcome = runPlaybookTest(compiled, test!);
    expect(outcome.passed).toBe(false);
    expect(outcome.problems).toEqual([
      'expected path [throttle, ask_case, closed_without_case], got [throttle, ask_case, open_case, escalate, done]',
    ]);
  });

  it('a case expecting other inputs or another status fails', () => {
    const [test] = parse(`tests:
  - name: wrong inputs
    incident: ${INCIDENT}
    expect:
      status: resolved
      calls: [ { operation: ratelimit.set, inputs: { key: other } }, { operation: ticket.open } ]
`);
    const outcome = runPlaybookTest(compiled, test!);
    expect(outcome.passed).toBe(false);
    expect(outcome.problems).toContain('expected status resolved, got waiting (at "ask_case")');
    expect(outcome.problems).toContain('call 1: expected input key = "other", got "k9"');
    expect(outcome.problems.some((p) => p.startsWith('expected 2 call(s), got 1'))).toBe(true);
  });

  it("takes the file's connectors for cases that name none; a case's own list wins", () => {
    const { tests } = parsePlaybookTests(
      't.test.yaml',
      `connectors: [jira, kong]
tests:
  - { name: a, incident: ${INCIDENT}, expect: { status: waiting } }
  - { name: b, incident: ${INCIDENT}, connectors: [], expect: { status: waiting } }
  - { name: c, incident: ${INCIDENT}, connectors: [slack], expect: { status: waiting } }
`,
    );
    expect(tests?.cases.map((c) => c.connectors)).toEqual([['jira', 'kong'], [], ['slack']]);
    const none = parsePlaybookTests(
      't.test.yaml',
      `tests: [ { name: a, incident: {}, expect: { status: waiting } } ]\n`,
    );
    expect(none.tests?.cases[0]?.connectors).toBeUndefined();
  });

  it('a stub for a state the playbook does not have fails the case, suggesting the name', () => {
    const [test] = parse(`tests:
  - name: typo
    incident: ${INCIDENT}
    replies: { throtle: { error: CORDON_ERR_ACTION_UNAVAILABLE } }
    undo_replies: { nowhere: { result: {} } }
    expect: { status: waiting }
`);
    const outcome = runPlaybookTest(compiled, test!);
    expect(outcome.passed).toBe(false);
    expect(outcome.problems).toEqual([
      'replies names state "throtle", which playbook contain-abusive-key does not have (did you mean "throttle"?)',
      'undo_replies names state "nowhere", which playbook contain-abusive-key does not have',
    ]);
    const [misplaced] = parse(`tests:
  - name: a reply to an approval
    incident: ${INCIDENT}
    replies: { ask_case: { result: {} } }
    expect: { status: waiting }
`);
    expect(runPlaybookTest(compiled, misplaced!).problems).toEqual([
      'replies names state "ask_case", which calls nothing a reply could answer (replies go to action and call states)',
    ]);
  });

  it('a script step that does not fit where the run rests fails the case', () => {
    const [test] = parse(`tests:
  - name: approve the wrong state
    incident: ${INCIDENT}
    script: [ { approve: throttle }, { advance: 1h }, { reject: ask_case } ]
    expect: { status: resolved }
`);
    const outcome = runPlaybookTest(compiled, test!);
    expect(outcome.passed).toBe(false);
    expect(outcome.problems[0]).toBe(
      'The script says approve throttle, but the run rests at "ask_case".',
    );
    expect(outcome.problems[1]).toMatch(/ended with script steps left: reject ask_case/);
  });

  it('lets an advance run past a timeout into an action that ends the run, with no step left', () => {
    const { playbooks } = build(
      playbook(
        'ask',
        `  ask:
    approval: { roles: [approver], timeout: 30m }
    on: { approved: done, rejected: done, timeout: late_case }
  late_case:
    action: ticket.open
    with: { connector: cases, summary: "{{ incident.title }}" }
    next: done
  done:
    end: resolved
`,
      ),
    );
    const pb = (playbooks ?? [])[0]!;
    const [exact, past, rested] = parse(`tests:
  - name: exactly at the timeout
    incident: ${INCIDENT}
    script: [ { advance: 30m } ]
    expect: { path: [ask, late_case, done], status: resolved, calls: [ { operation: ticket.open } ] }
  - name: well past it
    incident: ${INCIDENT}
    script: [ { advance: 2h } ]
    expect: { path: [ask, late_case, done], status: resolved }
  - name: a decision scripted after the run ended is still reported
    incident: ${INCIDENT}
    script: [ { advance: 2h }, { approve: ask } ]
    expect: { path: [ask, late_case, done], status: resolved }
`);
    expect(runPlaybookTest(pb, exact!).problems).toEqual([]);
    expect(runPlaybookTest(pb, past!).problems).toEqual([]);
    expect(runPlaybookTest(pb, rested!).problems).toEqual([
      'The run ended with script steps left: approve ask.',
    ]);
  });

  it('drives choices, waits on incident changes and retries per visit with the fake clock', () => {
    const { playbooks } = build(
      playbook(
        'hold',
        `  hold:
    wait: { changes: incident.severity, timeout: 10m }
    next: pick
    on_timeout: done
  pick:
    choice:
      - { when: 'incident.severity == "critical"', next: block }
    default: done
  block:
    action: ratelimit.set
    automatic: true
    undo: ratelimit.clear
    with: { connector: gateway, key: "{{ incident.group.api_key }}", limit: 1/m }
    next: check
    on_failure: done
  check:
    choice:
      - { when: 'steps.block.result.applied == true', next: done }
    default: failed_end
  failed_end:
    end: failed
  done:
    end: resolved
`,
      ),
    );
    const pb = (playbooks ?? [])[0]!;
    const [changed, timedOut] = parse(`tests:
  - name: severity turns critical
    incident: ${INCIDENT}
    replies: { block: { result: { applied: true } } }
    script: [ { advance: 2m }, { change: { severity: critical } } ]
    expect:
      path: [hold, pick, block, check, done]
      calls: [ { operation: ratelimit.set, inputs: { key: k9, limit: 1/m } } ]
  - name: nothing changes within 10 minutes
    incident: ${INCIDENT}
    script: [ { advance: 10m } ]
    expect: { path: [hold, done], status: resolved, calls: [] }
`);
    expect(runPlaybookTest(pb, changed!).problems).toEqual([]);
    expect(runPlaybookTest(pb, timedOut!).problems).toEqual([]);
  });

  it('reports malformed test files with located errors', () => {
    const { tests, diagnostics } = parsePlaybookTests(
      't.test.yaml',
      `tests:\n  - name: x\n    incident: {}\n    replies: { a: { result: 1, error: E } }\n    script: [ { wait: 1m } ]\n    expect: {}\n`,
    );
    expect(tests).toBeUndefined();
    const messages = diagnostics.map((d) => `${d.line}: ${d.message}`);
    expect(
      messages.some((m) => m.startsWith('4:') && m.includes('exactly one of result or error')),
    ).toBe(true);
    expect(
      messages.some(
        (m) => m.startsWith('5:') && m.includes('exactly one of approve, reject, advance, change'),
      ),
    ).toBe(true);
    expect(messages.some((m) => m.includes('expects nothing'))).toBe(true);
  });
});

describe('the dry-run interpreter', () => {
  const { playbooks } = build(
    playbook(
      'block',
      `  block:
    action: ratelimit.set
    automatic: true
    undo: ratelimit.clear
    with: { connector: gateway, key: "{{ incident.group.api_key }}", limit: 1/m }
    next: hold
    on_failure: cool
  cool:
    wait: { for: 5m }
    next: block
  hold:
    wait: { changes: incident.severity, timeout: 1h }
    next: done
    on_timeout: done
  done:
    end: resolved
`,
    ),
  );
  const pb = (playbooks ?? [])[0]!;

  it('answers each visit of a state with the next stubbed reply, firing timers on the fake clock', () => {
    const [test] = parse(`tests:
  - name: fails twice, then holds
    incident: ${INCIDENT}
    replies:
      block: [ { error: E_DOWN }, { error: E_DOWN }, { result: { applied: true } } ]
    script: [ { advance: 4m }, { advance: 6m }, { change: { title: other } }, { change: { severity: low } } ]
    expect:
      path: [block, cool, block, cool, block, hold, done]
      status: resolved
`);
    const outcome = runPlaybookTest(pb, test!);
    expect(outcome.problems).toEqual([]);
    // 4m: nothing due; 6m later (10m): the first 5m wait fired, the second block failed, and
    // the second 5m wait fired inside the same advance.
    expect(outcome.calls.map((c) => [c.at - outcome.calls[0]!.at, c.reply.ok])).toEqual([
      [0, false],
      [300_000, false],
      [600_000, true],
    ]);
  });

  it('leaves a run resting when the script runs out, and says so when steps are left over', () => {
    const [resting, leftover] = parse(`tests:
  - name: rests in the wait
    incident: ${INCIDENT}
    expect: { path: [block, hold], status: waiting }
  - name: approves where there is no approval
    incident: ${INCIDENT}
    script: [ { approve: hold } ]
    expect: { status: waiting }
`);
    expect(runPlaybookTest(pb, resting!).problems).toEqual([]);
    expect(runPlaybookTest(pb, leftover!).problems).toEqual([
      'The script says approve hold, but the run rests at "hold", which takes no decision.',
    ]);
  });
});
