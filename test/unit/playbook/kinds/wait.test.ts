import { describe, expect, it } from 'vitest';
import {
  stateEffectId,
  timerEffectId,
  type Effect,
} from '../../../../src/playbook/runtime/effects.js';
import { buildFile, errors, playbook, Run, RUN_ID, T0 } from './helpers.js';

/**
 * `wait`: timers are xstate `after` delays, which come out of `transition()` as delayed raises
 * and become durable timer effects (delayed jobs with deterministic ids); leaving cancels them.
 */
const PB = buildFile('test/fixtures/playbooks/valid/choice-and-wait.yaml');
const MINUTE = 60_000;
const incident = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'inc-1',
  title: 'Extraction by k-1',
  severity: 'high',
  tags: ['atlas.AML.T0024'],
  matchCount: 4,
  lastSeen: T0 - 10 * MINUTE,
  group: { api_key: 'k-1' },
  ...over,
});
const timers = (effects: Effect[]): { type: string; fireAt: number }[] =>
  effects.flatMap((e) =>
    e.kind === 'timer' && 'fireAt' in e ? [{ type: e.event.type, fireAt: e.fireAt }] : [],
  );

describe('wait for a duration', () => {
  it('sets one timer at entry + duration and rests, waiting', () => {
    const run = new Run(PB, incident());
    expect(run.state).toBe('cool_off');
    expect(timers(run.effects)).toEqual([
      { type: 'xstate.after.wait_cool_off.choice-and-wait.cool_off', fireAt: T0 + 10 * MINUTE },
    ]);
    const timer = run.effects[0] as Effect & { id: string };
    expect(timer.id).toBe(
      timerEffectId(RUN_ID, 'xstate.after.wait_cool_off.choice-and-wait.cool_off', 1),
    );
  });

  it('goes to next when the timer fires and records how the wait ended', () => {
    const run = new Run(PB, incident()).send(
      { type: 'xstate.after.wait_cool_off.choice-and-wait.cool_off' },
      T0 + 10 * MINUTE,
    );
    expect(run.state).toBe('until_quiet');
    expect(run.context.waits?.cool_off).toEqual({ outcome: 'elapsed', at: T0 + 10 * MINUTE });
  });
});

describe('wait until a time', () => {
  const atUntil = (lastSeen: unknown): Run =>
    new Run(PB, incident({ lastSeen })).send(
      { type: 'xstate.after.wait_cool_off.choice-and-wait.cool_off' },
      T0 + 10 * MINUTE,
    );

  it('computes the time from the incident when entering, beside its timeout', () => {
    const run = atUntil(T0);
    // until = lastSeen + 1 h = T0 + 60 min; entered at T0 + 10 min; the timeout is 2 h.
    expect(timers(run.effects)).toEqual(
      expect.arrayContaining([
        {
          type: 'xstate.after.wait_until_quiet.choice-and-wait.until_quiet',
          fireAt: T0 + 60 * MINUTE,
        },
        {
          type: 'xstate.after.wait_timeout_until_quiet.choice-and-wait.until_quiet',
          fireAt: T0 + 130 * MINUTE,
        },
      ]),
    );
    expect(timers(run.effects)).toHaveLength(2);
  });

  it('fires at once when the time has passed', () => {
    const run = atUntil(T0 - 2 * 3_600_000);
    expect(timers(run.effects)).toContainEqual({
      type: 'xstate.after.wait_until_quiet.choice-and-wait.until_quiet',
      fireAt: T0 + 10 * MINUTE,
    });
  });

  it('leaves the decision to the timeout when the time cannot be computed', () => {
    const run = atUntil('not a number');
    const [until] = timers(run.effects).filter((t) => t.type.includes('wait_until_quiet'));
    expect(until?.fireAt).toBeGreaterThan(T0 + 130 * MINUTE);
  });

  it('cancels the other timer when one fires', () => {
    const run = atUntil(T0).send(
      { type: 'xstate.after.wait_timeout_until_quiet.choice-and-wait.until_quiet' },
      T0 + 130 * MINUTE,
    );
    expect(run.state).toBe('done');
    expect(run.context.waits?.until_quiet).toMatchObject({ outcome: 'timeout' });
    expect(run.effects).toEqual(
      expect.arrayContaining([
        {
          kind: 'cancel-timer',
          id: timerEffectId(RUN_ID, 'xstate.after.wait_until_quiet.choice-and-wait.until_quiet', 2),
        },
      ]),
    );
  });
});

describe('wait for an incident field to change', () => {
  const watching = (): Run => new Run(PB, incident({ tags: [] }));

  it('checks the incident on entry (an effect) and sets only its timeout timer', () => {
    const run = watching();
    expect(run.state).toBe('watch');
    expect(run.effects).toContainEqual(
      expect.objectContaining({ kind: 'wait', id: stateEffectId('wat', RUN_ID, 'watch', 1) }),
    );
    expect(timers(run.effects)).toEqual([
      { type: 'xstate.after.wait_timeout_watch.choice-and-wait.watch', fireAt: T0 + 30 * MINUTE },
    ]);
  });

  it('ignores an incident whose watched field is unchanged', () => {
    const run = watching().send(
      { type: 'incident.changed', incident: incident({ tags: [], lastSeen: T0 }) },
      T0 + MINUTE,
    );
    expect(run.state).toBe('watch');
    expect(run.step).toBe(1);
  });

  it('moves on when the field changed, taking the new incident into the run', () => {
    const run = watching().send(
      { type: 'incident.changed', incident: incident({ tags: [], matchCount: 5 }) },
      T0 + MINUTE,
    );
    expect(run.state).toBe('throttle');
    expect(run.context.incident.matchCount).toBe(5);
    expect(run.context.waits?.watch).toEqual({ outcome: 'changed', at: T0 + MINUTE });
  });

  it('takes on_timeout when nothing changes in time', () => {
    const run = watching().send(
      { type: 'xstate.after.wait_timeout_watch.choice-and-wait.watch' },
      T0 + 30 * MINUTE,
    );
    expect(run.state).toBe('done');
  });

  it('is not moved by incident changes in other states', () => {
    const run = new Run(PB, incident()).send(
      { type: 'incident.changed', incident: incident({ matchCount: 50 }) },
      T0 + MINUTE,
    );
    expect(run.state).toBe('cool_off');
  });
});

describe('wait validation', () => {
  const END = '  done: { end: resolved }\n  other: { end: cancelled }\n';
  const codes = (states: string): [string, string, string][] =>
    errors(playbook('w', states)).map((d) => [d.code, d.path, d.message]);

  it('needs exactly one of for, until, changes', () => {
    expect(
      codes(
        `  w:\n    wait: { for: 1m, changes: incident.severity, timeout: 1h }\n    next: done\n${END}`,
      ),
    ).toContainEqual([
      'CORDON_ERR_DEFINITION_VALUE',
      'states.w.wait',
      expect.stringContaining('exactly one of for'),
    ]);
  });

  it('needs a timeout and on_timeout for until and changes, and refuses them for for', () => {
    expect(
      codes(`  w:\n    wait: { until: "incident.lastSeen + 60000.0" }\n    next: done\n${END}`),
    ).toContainEqual([
      'CORDON_ERR_DEFINITION_REQUIRED',
      'states.w.wait',
      expect.stringContaining('no timeout'),
    ]);
    expect(
      codes(`  w:\n    wait: { changes: incident.severity, timeout: 1h }\n    next: done\n${END}`),
    ).toContainEqual([
      'CORDON_ERR_DEFINITION_REQUIRED',
      'states.w',
      expect.stringContaining('no on_timeout'),
    ]);
    expect(
      codes(
        `  w:\n    wait: { for: 1m, timeout: 1h }\n    next: done\n    on_timeout: other\n${END}`,
      ).map((c) => c[1]),
    ).toEqual(['states.w.wait.timeout', 'states.w.on_timeout']);
  });

  it('type-checks until as a time', () => {
    expect(
      codes(
        `  w:\n    wait: { until: "incident.severity", timeout: 1h }\n    next: done\n    on_timeout: other\n${END}`,
      ),
    ).toEqual([
      [
        'CORDON_ERR_PLAYBOOK_EXPRESSION',
        'states.w.wait.until',
        expect.stringContaining('yields string, but this place needs a time'),
      ],
    ]);
  });

  it('names a watchable incident field for changes', () => {
    const found = codes(
      `  w:\n    wait: { changes: incident.sevrity, timeout: 1h }\n    next: done\n    on_timeout: other\n${END}`,
    );
    expect(found).toEqual([
      [
        'CORDON_ERR_DEFINITION_VALUE',
        'states.w.wait.changes',
        expect.stringContaining('did you mean "severity"?'),
      ],
    ]);
  });

  it('accepts a valid wait of each form', () => {
    for (const wait of [
      '{ for: 10m }',
      '{ until: "run.startedAt + 60000.0", timeout: 1h }',
      '{ changes: incident.group.api_key, timeout: 1h }',
    ]) {
      const timeout = wait.includes('timeout') ? '    on_timeout: other\n' : '';
      const end = timeout ? END : '  done: { end: resolved }\n';
      expect(
        errors(playbook('w', `  w:\n    wait: ${wait}\n    next: done\n${timeout}${end}`)),
      ).toEqual([]);
    }
  });
});
