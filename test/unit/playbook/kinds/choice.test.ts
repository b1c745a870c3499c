import { describe, expect, it } from 'vitest';
import { actionEffectId } from '../../../../src/playbook/runtime/effects.js';
import { buildFile, errors, playbook, Run, RUN_ID, T0 } from './helpers.js';

/** `choice`: ordered CEL conditions and a default, taken inside the entering transition. */
const PB = buildFile('test/fixtures/playbooks/valid/choice-and-wait.yaml');
const incident = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'inc-1',
  title: 'Extraction by k-1',
  severity: 'high',
  tags: [],
  matchCount: 1,
  lastSeen: T0,
  group: { api_key: 'k-1' },
  ...over,
});

describe('choice at run time', () => {
  it('takes the first branch whose condition holds and records it', () => {
    const run = new Run(PB, incident({ severity: 'critical', matchCount: 9 }));
    expect(run.state).toBe('throttle');
    expect(run.context.choices).toEqual({ route: { branch: 0, next: 'throttle' } });
    // The choice asks for nothing itself; the state it leads to asks for its effect.
    expect(run.effects).toEqual([
      expect.objectContaining({ kind: 'action', id: actionEffectId(RUN_ID, 'throttle', 1) }),
    ]);
  });

  it('tries branches in order', () => {
    const run = new Run(PB, incident({ matchCount: 4, tags: ['atlas.AML.T0024'] }));
    expect(run.state).toBe('cool_off');
    expect(run.context.choices?.route).toEqual({ branch: 1, next: 'cool_off' });
  });

  it('falls to the default when no condition holds', () => {
    const run = new Run(PB, incident({ matchCount: 4 }));
    expect(run.state).toBe('watch');
    expect(run.context.choices?.route).toEqual({ branch: 'default', next: 'watch' });
  });

  it('treats a condition that cannot be evaluated (a missing field) as false', () => {
    const { matchCount: _dropped, ...partial } = incident({ tags: ['atlas.AML.T0024'] });
    expect(new Run(PB, partial).state).toBe('watch');
  });

  it('reads steps.* of earlier actions', () => {
    const ok = new Run(PB, incident({ severity: 'critical' })).send(
      { type: 'action.succeeded', state: 'throttle', result: {}, attempts: 1 },
      T0 + 1,
    );
    expect(ok.state).toBe('done');
    expect(ok.context.choices?.after_throttle).toEqual({ branch: 0, next: 'done' });
    const bad = new Run(PB, incident({ severity: 'critical' })).send(
      {
        type: 'action.failed',
        state: 'throttle',
        error: { code: 'CORDON_ERR_ACTION_FAILED', message: 'no' },
        attempts: 3,
      },
      T0 + 1,
    );
    // on_failure is not set: a failed action ends the run failed before the choice.
    expect(bad.state).toBe('__failed');
  });
});

describe('choice validation', () => {
  const END = '  done: { end: resolved }\n  other: { end: cancelled }\n';

  it('reports a type error with the column inside the expression and the fix', () => {
    const [d, ...rest] = errors(
      playbook(
        'pick',
        `  pick:\n    choice:\n      - when: 'incident.severity > 3'\n        next: done\n    default: other\n${END}`,
      ),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      code: 'CORDON_ERR_PLAYBOOK_EXPRESSION',
      line: 8,
      path: 'states.pick.choice[0].when',
    });
    expect(d?.message).toContain('no such overload: string > int');
    // With what to do about it, not the library's words alone.
    expect(d?.message).toContain('does not type-check: string > int has no meaning in CEL');
    expect(d?.message).toContain('compare or combine values of one type');
    const [list] = errors(
      playbook(
        'pick',
        `  pick:\n    choice:\n      - when: 'incident.tags == "a"'\n        next: done\n    default: other\n${END}`,
      ),
    );
    expect(list?.message).toContain(
      'does not type-check: list<string> == string has no meaning in CEL',
    );
  });

  it('says which keys exist when an expression reads one that does not', () => {
    const [d] = errors(
      playbook(
        'pick',
        `  pick:\n    choice:\n      - when: 'incident.group.apikey == "x"'\n        next: done\n    default: other\n${END}`,
      ),
    );
    expect(d).toMatchObject({ code: 'CORDON_ERR_PLAYBOOK_EXPRESSION', line: 8, column: 31 });
    expect(d?.message).toContain('did you mean "api_key"?');
  });

  it('refuses a condition that is not true/false', () => {
    const [d] = errors(
      playbook(
        'pick',
        `  pick:\n    choice:\n      - when: incident.severity\n        next: done\n    default: other\n${END}`,
      ),
    );
    expect(d?.message).toContain('yields string, but this place needs true or false');
  });

  it('refuses steps of states that are not actions, and unknown variables', () => {
    const text = playbook(
      'pick',
      `  pick:\n    choice:\n      - when: 'steps.done.status == "succeeded"'\n        next: done\n      - when: 'now > 3'\n        next: done\n    default: other\n${END}`,
    );
    expect(errors(text).map((d) => d.message)).toEqual([
      expect.stringContaining('reads "done", which is not there'),
      expect.stringContaining('expressions read only incident, steps, run and connectors'),
    ]);
  });

  it('needs a default and a non-empty list, and checks targets', () => {
    const text = playbook(
      'pick',
      `  pick:\n    choice: []\n${END}  other2:\n    choice:\n      - when: 'true'\n        next: nowhere\n    default: done\n`,
    );
    const found = errors(text).map((d) => [d.code, d.path]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['CORDON_ERR_DEFINITION_REQUIRED', 'states.pick'],
        ['CORDON_ERR_DEFINITION_TYPE', 'states.pick.choice'],
        ['CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET', 'states.other2.choice[0].next'],
      ]),
    );
  });

  it('refuses a loop made only of choices (a run would never rest)', () => {
    const text = playbook(
      'a',
      `  a:\n    choice:\n      - when: 'incident.severity == "high"'\n        next: b\n    default: done\n  b:\n    choice:\n      - when: 'true'\n        next: a\n    default: done\n  done: { end: resolved }\n`,
    );
    expect(errors(text)).toEqual([
      expect.objectContaining({ code: 'CORDON_ERR_PLAYBOOK_NO_END', path: 'states.a' }),
      expect.objectContaining({ code: 'CORDON_ERR_PLAYBOOK_NO_END', path: 'states.b' }),
    ]);
  });

  it('keeps the approval guard: a mutation behind a choice is not approved', () => {
    const text = playbook(
      'pick',
      `  pick:\n    choice:\n      - when: 'incident.severity == "critical"'\n        next: block\n    default: done\n  block:\n    action: ratelimit.set\n    with: { key: "{{ incident.group.api_key }}", limit: block }\n    undo: ratelimit.clear\n    next: done\n  done: { end: resolved }\n`,
    );
    expect(errors(text)).toEqual([
      expect.objectContaining({ code: 'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION' }),
    ]);
  });
});
