import { describe, expect, it } from 'vitest';
import {
  describe as describeValue,
  formatDurationMs,
  parseDuration,
} from '../../../src/shared/duration.js';

function ms(value: unknown): number {
  const d = parseDuration(value);
  if (!d.ok) throw new Error(d.reason);
  return d.ms;
}

function reason(value: unknown): string {
  const d = parseDuration(value);
  if (d.ok) throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
  return d.reason;
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['1s', 1_000],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['90s', 90_000],
    ['1ms', 1],
  ])('reads %s as %i ms', (text, expected) => {
    expect(ms(text)).toBe(expected);
  });

  it('tolerates spaces around and between the number and the unit', () => {
    expect(ms(' 5 m ')).toBe(300_000);
    expect(ms('15 s')).toBe(15_000);
  });

  it('rejects a bare number, suggesting the unit', () => {
    expect(reason(10)).toBe(
      'got the number 10 without a unit; write a number followed by ms, s, m, h, d or w (for example "10s")',
    );
  });

  it.each(['10', '1.5h', '-1s', '10M', '1y', '10 minutes', 'soon', '', 'ms', '1h30m', 'PT1H'])(
    'rejects "%s"',
    (text) => {
      expect(reason(text)).toBe(
        `got "${text}"; write a whole number followed by ms, s, m, h, d or w (for example "10m")`,
      );
    },
  );

  it('rejects zero', () => {
    expect(reason('0s')).toBe('got "0s"; a duration must be greater than zero');
    expect(reason('0ms')).toContain('greater than zero');
  });

  it.each([
    [null, 'null'],
    [true, 'true'],
    [['1s'], 'the list ["1s"]'],
    [{ s: 1 }, 'a mapping'],
    [undefined, 'undefined'],
  ])('rejects a non-string (%j), describing it', (value, described) => {
    expect(reason(value)).toBe(`expected a duration string such as "10m"; got ${described}`);
  });

  it('rejects a duration too large to hold in milliseconds, and says so', () => {
    // BUG (src/shared/duration.ts:29-30): an amount that overflows Number.isSafeInteger is
    // reported as "a duration must be greater than zero", which is false and misleading.
    const why = reason('99999999999999w');
    expect(why).toContain('"99999999999999w"');
    expect(why).not.toContain('greater than zero');
  });
});

describe('formatDurationMs', () => {
  it.each([
    [90_000, '90s'],
    [3_600_000, '1h'],
    [5_400_000, '90m'],
    [86_400_000, '1d'],
    [604_800_000, '1w'],
    [1_209_600_000, '2w'],
    [1_500, '1500ms'],
    [0, '0ms'],
  ])('formats %i as %s', (input, text) => {
    expect(formatDurationMs(input)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const value of [1, 999, 1_000, 61_000, 3_600_000, 90 * 60_000, 30 * 86_400_000]) {
      expect(ms(formatDurationMs(value))).toBe(value);
    }
  });
});

describe('describe (value descriptions in messages)', () => {
  it.each([
    [null, 'null'],
    [[1], 'the list [1]'],
    [[], 'an empty list'],
    [
      Array.from({ length: 40 }, (_, i) => i),
      'the list [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,…]',
    ],
    [{}, 'a mapping'],
    ['x', '"x"'],
    [3, '3'],
    [false, 'false'],
    [undefined, 'undefined'],
  ])('describes %j as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
