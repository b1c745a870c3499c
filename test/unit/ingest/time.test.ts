import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkEpochMs,
  clampFutureTime,
  parseEpochSecondsText,
  parseRfc3339,
  parseRfc3339Checked,
} from '../../../src/ingest/normalizers/time.js';

function ms(text: string): number {
  const parsed = parseRfc3339(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.ms;
}

function reason(parsed: { ok: true } | { ok: false; reason: string }): string {
  if (parsed.ok) throw new Error('expected a failure');
  return parsed.reason;
}

describe('parseRfc3339', () => {
  it('applies offsets and truncates microseconds to ms', () => {
    expect(ms('2024-06-10T09:51:03.157076+02:00')).toBe(Date.UTC(2024, 5, 10, 7, 51, 3, 157));
    expect(ms('2024-06-10T09:51:03.157076-05:30')).toBe(Date.UTC(2024, 5, 10, 15, 21, 3, 157));
  });

  it('accepts nine fractional digits and never rounds into the next second', () => {
    expect(ms('2024-06-10T16:01:05.731828392Z')).toBe(Date.UTC(2024, 5, 10, 16, 1, 5, 731));
    expect(ms('2024-06-10T16:01:05.999999999Z')).toBe(Date.UTC(2024, 5, 10, 16, 1, 5, 999));
    expect(ms('2024-06-10T16:01:05.5Z')).toBe(Date.UTC(2024, 5, 10, 16, 1, 5, 500));
    expect(ms('2024-06-10t16:01:05z')).toBe(Date.UTC(2024, 5, 10, 16, 1, 5));
  });

  it('crosses the date line with offsets', () => {
    expect(ms('2024-01-01T00:30:00+01:00')).toBe(Date.UTC(2023, 11, 31, 23, 30));
    expect(ms('2024-02-29T23:59:59-14:00')).toBe(Date.UTC(2024, 2, 1, 13, 59, 59));
  });

  it('keeps a leap second inside its minute', () => {
    expect(ms('2016-12-31T23:59:60Z')).toBe(Date.UTC(2016, 11, 31, 23, 59, 59, 999));
  });

  it('rejects timestamps without a zone and says how to add one', () => {
    expect(reason(parseRfc3339('2024-06-10T16:01:05'))).toContain('add a zone');
    const spaced = reason(parseRfc3339('2024-06-10 16:01:05'));
    expect(spaced).toContain('"2024-06-10 16:01:05"');
    expect(spaced).toContain('put "T" between the date and the time');
    expect(spaced).toContain('add a zone');
  });

  it('names each near-miss', () => {
    expect(reason(parseRfc3339('2024-06-10T16:01:05+0200'))).toContain('"+02:00"');
    expect(reason(parseRfc3339('2024-06-10T16:01:05,123Z'))).toContain(
      'use "." before the fractional seconds',
    );
    expect(reason(parseRfc3339('2024-06-10T16:01:05.1234567891Z'))).toContain(
      'at most 9 fractional digits',
    );
    expect(reason(parseRfc3339('2024-06-10T16:01:05 CEST'))).toContain('is not "Z" or an offset');
    expect(reason(parseRfc3339('2024-02-30T00:00:00Z'))).toContain('day 30 does not exist');
    expect(reason(parseRfc3339('2023-13-01T00:00:00Z'))).toContain('month 13 does not exist');
    expect(reason(parseRfc3339('2024-06-10T24:00:00Z'))).toContain('hour 24 is out of range');
    expect(reason(parseRfc3339('2024-06-10'))).toContain('no time of day');
    expect(reason(parseRfc3339('1718035412'))).toContain('epoch number in a string');
    expect(reason(parseRfc3339(''))).toContain('(an empty string)');
  });

  it('accepts 29 February only in leap years', () => {
    expect(ms('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(reason(parseRfc3339('2023-02-29T00:00:00Z'))).toContain('day 29 does not exist');
  });

  it('rejects years outside 2000–2100 with a unit hint', () => {
    const old = reason(parseRfc3339('1970-01-20T17:13:55Z'));
    expect(old).toContain('year 1970 is outside 2000–2100');
    expect(old).toContain('seconds vs milliseconds');
    expect(reason(parseRfc3339('0001-01-01T00:00:00Z'))).toContain('outside 2000–2100');
    expect(reason(parseRfc3339('2101-01-01T00:00:00Z'))).toContain('year 2101');
    expect(ms('2100-12-31T23:59:59.999Z')).toBe(Date.UTC(2100, 11, 31, 23, 59, 59, 999));
    expect(ms('2000-01-01T00:00:00Z')).toBe(Date.UTC(2000, 0, 1));
  });

  it('quotes long values truncated', () => {
    const text = `2024-06-10T16:01:05Z${'x'.repeat(200)}`;
    expect(reason(parseRfc3339(text)).length).toBeLessThan(400);
  });
});

describe('parseRfc3339 fast path', () => {
  const two = (lo: number, hi: number) =>
    fc.integer({ min: lo, max: hi }).map((n) => String(n).padStart(2, '0'));
  // Mostly well-formed times, with every part sometimes out of range or one character off.
  const text = fc
    .tuple(
      fc.oneof(fc.integer({ min: 1999, max: 2101 }), fc.integer({ min: 0, max: 9999 })),
      two(0, 13),
      two(0, 32),
      fc.constantFrom('T', 't', ' ', 'X'),
      two(0, 24),
      two(0, 60),
      two(0, 61),
      fc.oneof(
        fc.constant(''),
        fc.stringMatching(/^[.,][0-9]{0,11}$/),
        fc.constantFrom('.5', '.123', '.1234567', '.x1'),
      ),
      fc.constantFrom('Z', 'z', '+02:00', '', 'ZZ', '-0530'),
    )
    .map(
      ([y, mo, d, t, h, mi, s, frac, zone]) =>
        `${String(y).padStart(4, '0')}-${mo}-${d}${t}${h}:${mi}:${s}${frac}${zone}`,
    );

  it('gives what the checked parser gives, for valid and invalid times alike', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 32 })), (t) => {
        expect(parseRfc3339(t)).toEqual(parseRfc3339Checked(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads leap days, fractions and the ends of the accepted years', () => {
    expect(ms('2024-02-29T23:59:59.9999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(reason(parseRfc3339('2023-02-29T00:00:00Z'))).toContain('day 29 does not exist');
    expect(reason(parseRfc3339('2100-02-29T00:00:00Z'))).toContain('day 29 does not exist');
    expect(ms('2000-01-01T00:00:00.5Z')).toBe(Date.UTC(2000, 0, 1, 0, 0, 0, 500));
    expect(ms('2100-12-31T23:59:59.999999999Z')).toBe(Date.UTC(2100, 11, 31, 23, 59, 59, 999));
    expect(parseRfc3339('1999-12-31T23:59:59Z').ok).toBe(false);
  });
});

describe('checkEpochMs', () => {
  it('accepts integer epoch milliseconds', () => {
    expect(checkEpochMs(1718035412000)).toEqual({ ok: true, ms: 1718035412000 });
  });

  it('says when a number looks like epoch seconds', () => {
    const text = reason(checkEpochMs(1718035412));
    expect(text).toContain('looks like epoch seconds');
    expect(text).toContain('2024-06-10T16:03:32.000Z');
    expect(text).toContain('1718035412000');
    expect(text).toContain('ISO 8601');
    expect(reason(checkEpochMs(1718035412.5))).toContain('looks like epoch seconds');
  });

  it('says when a number looks like micro- or nanoseconds', () => {
    expect(reason(checkEpochMs(1718035412000000))).toContain('looks like epoch microseconds');
    expect(reason(checkEpochMs(1718035412000000000))).toContain('looks like epoch nanoseconds');
    expect(reason(checkEpochMs(5e12))).toContain('after 2100');
  });

  it('rejects fractional milliseconds and pre-2000 times', () => {
    expect(reason(checkEpochMs(1718035412000.5))).toContain('must be whole');
    expect(reason(checkEpochMs(3e11))).toContain('before 2000');
  });
});

describe('parseEpochSecondsText', () => {
  it('reads seconds with a fraction exactly, truncating past ms', () => {
    expect(parseEpochSecondsText('1718035412.000')).toEqual({ ok: true, ms: 1718035412000 });
    expect(parseEpochSecondsText('1718035412.157')).toEqual({ ok: true, ms: 1718035412157 });
    expect(parseEpochSecondsText('1718035412.9999')).toEqual({ ok: true, ms: 1718035412999 });
    expect(parseEpochSecondsText('1718035412')).toEqual({ ok: true, ms: 1718035412000 });
  });

  it('hints at milliseconds sent as seconds', () => {
    expect(reason(parseEpochSecondsText('1718035412000'))).toContain(
      'looks like epoch milliseconds',
    );
    expect(reason(parseEpochSecondsText('12.5'))).toContain('outside 2000–2100');
    expect(reason(parseEpochSecondsText('yesterday'))).toContain('not a plain decimal number');
  });
});

describe('clampFutureTime', () => {
  const now = Date.UTC(2024, 5, 10, 12);
  it('keeps times up to five minutes ahead', () => {
    expect(clampFutureTime(now + 5 * 60_000, now)).toEqual({ time: now + 5 * 60_000 });
  });
  it('clamps beyond that and records the original', () => {
    expect(clampFutureTime(now + 5 * 60_000 + 1, now)).toEqual({
      time: now,
      clampedFrom: '2024-06-10T12:05:00.001Z',
    });
  });
});
