import { describe, expect, it } from 'vitest';
import { planUndo } from '../../../src/actions/connectors/holds.js';
import { holdFamilies, holdsView } from '../../../src/actions/connectors/holds-view.js';

describe('holdsView', () => {
  it('reads a damaged entry as who held the target, and a lease past its end as free', () => {
    const view = holdsView(
      'key',
      { 'h:act_a': '{not json', 's:act_a': '3', lock: 'act_x', lockUntil: '1000', base: '{}' },
      1_000,
    );
    expect(view).toEqual({
      family: 'key',
      holders: [{ effect: 'act_a', run: '', operation: '', at: 0, place: 3 }],
      dropped: [],
      takenBy: null,
    });
    expect(holdsView('key', { lock: 'act_x', lockUntil: '1001' }, 1_000).takenBy).toEqual({
      effect: 'act_x',
      until: 1_001,
    });
  });
});

describe('holdFamilies', () => {
  it('lists the kinds of containment a type keeps holds for, none for the built-ins', () => {
    expect(holdFamilies({ type: 'kong' })).toEqual(['access', 'key', 'ratelimit']);
    expect(holdFamilies({ type: 'builtin-limiter' })).toEqual([]);
    expect(holdFamilies({ type: 'no-such-type' })).toEqual([]);
  });
});

describe('planUndo', () => {
  it('names the runs still holding the target, passing over a damaged entry instead of failing the undo', () => {
    const entry = (effect: string, run: string): string =>
      JSON.stringify({ effect, operation: 'key.block', inputs: {}, result: null, run, at: 1 });
    const plan = planUndo(
      {
        'h:a': entry('a', 'run-a'),
        's:a': '2',
        'h:b': '{damaged',
        's:b': '1',
        'h:c': entry('c', 'run-c'),
        's:c': '3',
      },
      'a',
    );
    expect(plan).toMatchObject({ kind: 'kept', top: false, by: ['c', 'b'], runs: ['run-c'] });
  });
});

describe('planUndo with damaged records', () => {
  const entry = (effect: string, run: string): string =>
    JSON.stringify({ effect, operation: 'ratelimit.set', inputs: {}, result: null, run, at: 1 });

  it('keeps the target contained under a damaged newest hold, which is not put back in force', () => {
    const plan = planUndo(
      { 'h:a': entry('a', 'run-a'), 's:a': '2', 'h:c': '{damaged', 's:c': '3' },
      'a',
    );
    expect(plan).toMatchObject({ kind: 'kept', top: false, by: ['c'], runs: [] });
    expect(plan.kind === 'kept' && plan.beneath).toMatchObject({ effect: 'c', operation: '' });
  });

  it('fails the last undo with a clear error when the first hold’s record is damaged', () => {
    expect(() => planUndo({ 'h:a': entry('a', 'run-a'), 's:a': '1', base: '{bad' }, 'a')).toThrow(
      expect.objectContaining({
        code: 'CORDON_ERR_ACTION_FAILED',
        message: expect.stringContaining('restore the target by hand') as unknown,
      }),
    );
  });
});
