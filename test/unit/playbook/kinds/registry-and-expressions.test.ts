import { describe, expect, it } from 'vitest';
import {
  checkExpression,
  evaluateExpression,
  toEpochMs,
} from '../../../../src/playbook/expressions/cel.js';
import { STATE_KINDS } from '../../../../src/playbook/kinds/registry.js';

describe('the state kind registry', () => {
  it('has one kind per YAML key and one effect action per kind', () => {
    const keys = STATE_KINDS.map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
    const effects = STATE_KINDS.flatMap((k) => (k.effect ? [k.effect.action] : []));
    expect(new Set(effects).size).toBe(effects.length);
    expect(keys).toEqual(['action', 'approval', 'choice', 'wait', 'parallel', 'call', 'end']);
  });

  it('runs every kind it lists (none is reserved as not implemented)', () => {
    expect(STATE_KINDS.filter((k) => k.notImplemented !== undefined)).toEqual([]);
  });
});

describe('CEL expressions', () => {
  const scope = { groupNames: ['api_key'], stepStates: ['throttle'] };
  const run = {
    incident: { severity: 'high', matchCount: 4, group: { api_key: 'k' } },
    steps: {},
    run: {},
  };

  it('evaluates over plain JSON', () => {
    expect(
      evaluateExpression('incident.matchCount >= 4 && incident.group.api_key == "k"', run),
    ).toEqual({
      ok: true,
      value: true,
    });
    expect(evaluateExpression('has(steps.throttle)', run)).toEqual({ ok: true, value: false });
  });

  it('has no way out: no eval, no globals, no I/O', () => {
    for (const text of ['eval("1")', 'process.exit(1)', 'require("fs")', 'globalThis', 'this']) {
      expect(checkExpression(text, scope, 'bool').ok).toBe(false);
      expect(evaluateExpression(text, run).ok).toBe(false);
    }
  });

  it('bounds the size of an expression', () => {
    const huge = Array.from({ length: 400 }, () => 'incident.matchCount > 1.0').join(' && ');
    expect(checkExpression(huge, scope, 'bool').ok).toBe(false);
  });

  it('reports parse errors with their offset', () => {
    const result = checkExpression('incident.matchCount >', scope, 'bool');
    expect(result).toMatchObject({ ok: false, offset: 21 });
  });

  it('turns time values into epoch milliseconds', () => {
    expect(toEpochMs(new Date(5))).toBe(5);
    expect(toEpochMs(5n)).toBe(5);
    expect(toEpochMs(7.5)).toBe(7.5);
    expect(toEpochMs('1970-01-01T00:00:01Z')).toBe(1_000);
    expect(toEpochMs('soon')).toBeUndefined();
    expect(toEpochMs(Number.NaN)).toBeUndefined();
  });
});
